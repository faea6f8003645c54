/*
 * perfmap.h - naming patch code for perf.
 *
 * perf names code outside every ELF file (JIT code) from /tmp/perf-PID.map,
 * one "START SIZE NAME" line per function, START and SIZE in hex.  suture
 * adds a line for the new code of every function a patch replaces when it
 * applies the patch, and removes exactly those lines when it reverts it;
 * lines written by anything else (a JIT in the same process) are kept.
 * The lines are made from the record alone, so a revert from a fresh
 * suture removes what the apply added.
 */
#ifndef SUTURE_APPLY_PERFMAP_H
#define SUTURE_APPLY_PERFMAP_H

#include <sys/types.h>

#include "apply/record.h"
#include "util/error.h"

/* perfmap_add - append the lines of applied patch @r to @pid's map file
 * (created if missing), unless they are in it already. */
int perfmap_add(pid_t pid, const struct record *r, struct error *err);

/* perfmap_remove - remove the lines of reverted patch @r from @pid's map
 * file, rewriting it, or removing it if no line is left; nothing if there
 * is none. */
int perfmap_remove(pid_t pid, const struct record *r, struct error *err);

/*
 * perfmap_fill - add to @pid's map file the lines of each live patch of
 * @st that it lacks (creating it if missing).  A process forked from a
 * patched one runs the patches it inherited but has no map file of its
 * own; the next suture command that reads its state writes it.  Returns
 * how many patches' lines were added, or a negative errno.
 */
struct state;
int perfmap_fill(pid_t pid, const struct state *st, struct error *err);

/*
 * perfmap_sweep - remove the map files suture left for processes that are
 * gone: /tmp/perf-PID.map of the caller's own, holding only suture's lines
 * ("[suture:PATCH]") or nothing, whose PID no longer exists or now belongs to a
 * process that started after the file was last written (a reused PID).
 * Files of live patched processes and files with any other tool's line
 * are left alone.  Looks at no more than 64 files per call, from a random
 * place, and does nothing when the user's last sweep was less than 10
 * seconds ago (perfsweep.c says why).  Returns how many were removed.
 */
size_t perfmap_sweep(void);

#endif
