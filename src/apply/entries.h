/* entries.h - checks of the replaced functions' code in the process. */
#ifndef SUTURE_APPLY_ENTRIES_H
#define SUTURE_APPLY_ENTRIES_H

#include <stdint.h>
#include <sys/types.h>

#include "apply/record.h"
#include "apply/state.h"
#include "patchfile/patch.h"
#include "process/proc.h"
#include "process/rmem.h"
#include "util/error.h"

/* entries_executable - every function of @rec is in executable memory of
 * process @pid (@maps); -EINVAL naming the first that is not. */
int entries_executable(const struct proc_maps *maps, const struct record *rec,
		       pid_t pid, struct error *err);

/*
 * entries_padding - the padding after @pf (build/padroom.h), read into
 * @code from its @entry, must be padding (int3, nop, zero) in process @pid
 * too: the build checked the file, another tool may have put code there.
 * Where a patch of @st already replaced the function, its trampoline
 * covers the first bytes.  -EINVAL saying so otherwise.
 */
int entries_padding(const struct patch_func *pf, uint64_t entry,
		    const unsigned char *code, const struct state *st,
		    pid_t pid, struct error *err);

/*
 * entries_unchanged - with the process stopped: is each function of @rec
 * still the @code apply read before (NULL entries skipped)?  -EAGAIN if
 * another tool changed it meanwhile: start over.
 */
int entries_unchanged(const struct rmem *mem, const struct record *rec,
		      const struct patch *p, unsigned char *const *code,
		      struct error *err);

#endif
