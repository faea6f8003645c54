/*
 * patchcfi.h - the safety check (safety.h) prepared with the call-frame
 * information of every patch region in the process.
 *
 * safety.c knows nothing of patches: it unwinds through the regions it is
 * given.  This is where the patch side gives them: every region of the
 * process's state, live, left by an interrupted suture, or retained (a
 * thread may run retained code: a callback it kept, retain.h).
 */
#ifndef SUTURE_APPLY_PATCHCFI_H
#define SUTURE_APPLY_PATCHCFI_H

#include "process/safety.h"

/*
 * patchcfi_safety_prepare - safety_prepare with the regions of @pid's
 * patches.  A region whose image cannot be made is unwound as if it had
 * no call-frame information, which ends in the scan.
 * SUTURE_NO_PATCH_CFI=1 gives none: the tests use it to measure what the
 * scan alone does.
 */
int patchcfi_safety_prepare(struct safety *sf, pid_t pid,
			    const struct proc_maps *maps,
			    const struct rmem *mem, const struct modules *mods,
			    struct error *err);

#endif
