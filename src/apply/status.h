/*
 * status.h - reading which patches a process carries, without stopping it.
 */
#ifndef SUTURE_APPLY_STATUS_H
#define SUTURE_APPLY_STATUS_H

#include <sys/types.h>

#include "apply/state.h"

/*
 * status_read - the patches applied to @pid, from its map and records.
 * Needs permission to read its memory (the same as tracing it); a clear
 * message otherwise.  Release @st with state_free.
 */
int status_read(pid_t pid, struct state *st, struct error *err);

/* status_open - the same, leaving @mem open for reading the process's
 * memory further; the caller closes it with rmem_close. */
int status_open(pid_t pid, struct state *st, struct rmem *mem,
		struct error *err);

#endif
