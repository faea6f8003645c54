/*
 * apply.h - applying a patch to a running process.
 *
 * apply_patch is one transaction: when it returns 0 the patch is live in
 * every thread at once; when it fails the process runs exactly as before
 * (nothing mapped, no byte changed, registers and pending signals intact).
 * Everything slow (reading files, resolving symbols, linking, preparing the
 * unwinder) happens before the process is stopped, so the pause it sees is
 * the few system calls and memory writes of the switch itself.
 */
#ifndef SUTURE_APPLY_APPLY_H
#define SUTURE_APPLY_APPLY_H

#include "apply/result.h"
#include "patchfile/patch.h"

/*
 * apply_patch - make @p live in process @pid.  Fills @res on success.
 */
int apply_patch(pid_t pid, const struct patch *p, const struct apply_opts *o,
		struct apply_result *res, struct error *err);

#endif
