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

#endif
