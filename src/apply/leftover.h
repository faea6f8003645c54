/*
 * leftover.h - what an interrupted suture left in a process, and removing
 * it.
 *
 * suture may be killed at any instant of an apply or a revert.  The commit
 * byte (record.h) makes the outcome all or nothing for the program: either
 * every function of a patch runs its new code or none does.  But memory can
 * be left behind:
 *
 *   - a region whose commit byte is clear: an apply that did not reach its
 *     commit, or a revert that cleared it and did not finish unmapping;
 *   - trampolines that jump to such a region's gates, which send every call
 *     to the old code (so they are harmless, but in the way);
 *   - a region mapped and never written (all zero);
 *   - a descriptor of a memfd made for a region, not yet closed;
 *   - post-apply hooks of a live patch, or post-revert hooks of a patch
 *     switched off, that did not run (hooks.h);
 *   - an apply or revert whose pre hooks ran, not switched yet: it is
 *     finished, not undone (rollforward.h);
 *   - after a replace that was committed but not finished: the regions of
 *     the patches it replaced (state.h: old), and entries that still jump
 *     to its switch gates (record.h), which behave like their final bytes.
 *
 * `suture status` lists them; every apply and revert removes them first,
 * under the same stop and after the same safety check as its own change (a
 * thread may be running a dead gate's moved instructions), once a short
 * stop of their own has aimed the entries that still lead into a dead
 * region back at the old code (leftover_entries_first).
 */
#ifndef SUTURE_APPLY_LEFTOVER_H
#define SUTURE_APPLY_LEFTOVER_H

#include "apply/retain.h"
#include "apply/state.h"
#include "process/rsyscall.h"
#include "process/safety.h"

/* leftover_count - how many leftovers @st holds. */
size_t leftover_count(const struct state *st);

/* leftover_forbid - no thread may be in the code of a dead region, or in
 * code an interrupted apply or revert is to switch. */
void leftover_forbid(struct safety *sf, const struct state *st);

/*
 * The descriptors of suture's memfds a process holds (a suture killed
 * between memfd_create and close leaks one), listed while the program
 * runs with the lock held (session.h), so that the stop reads again only
 * those: listing /proc/PID/fd takes 35-45 µs for a handful of descriptors
 * and grows with their number, a pause of the program.  With the lock
 * held, no suture makes a new one; only the stub of a killed suture, whose
 * thread may still be making its calls (rsys.stale), can, and then the
 * stop lists them all again.  One the program dup()s meanwhile is left
 * for the next command, as a descriptor missed always was: a leak, never
 * the closing of a descriptor that is not suture's.
 */
struct leftover_fds {
	int *fd;
	size_t n, cap;
	bool listed; /* /proc/PID/fd could be read */
};

/* leftover_fds_list - list them into @f (which leftover_fds_free frees). */
void leftover_fds_list(pid_t pid, struct leftover_fds *f);
void leftover_fds_free(struct leftover_fds *f);

/*
 * leftover_entries_first - in a stop of its own, without a safety check,
 * aim every entry that still jumps into a dead region of @st (one to be
 * removed, not finished: rollforward.h) back at its bytes from before, if
 * there is one (none: no stop); @l is the lock held on the process.
 * Returns how many it put back, or a negative errno.
 * Any thread may be anywhere for this: with the region's commit byte
 * clear, its gates only send a call on to the old code, so a thread in a
 * gate, or with a return address in one, goes on as it would have.  But
 * while an entry jumps in, the threads that call the function without
 * pause keep entering the region, and its removal, which needs no thread
 * in it, can wait out any timeout (a gate is left by a jump, not a
 * return: no thread can be held at its end, quiesce.h); once no entry
 * leads in, the threads leave it within a call.  Killed in between, the
 * next suture finds what leftover_clean finds after its own entries: a
 * dead region nothing enters.
 */
int leftover_entries_first(const struct session_lock *l, const struct rmem *mem,
			   const struct state *st, struct error *err);

/*
 * leftover_clean - with every thread of @s stopped and checked, finish an
 * apply or revert whose pre hooks ran (then return 1: the state changed,
 * start again), or close leaked memfd descriptors (those of @fds that
 * still are, unless the stop must list them itself: @fds NULL or not
 * listed, or a stale stub in @rs), finish interrupted
 * replaces, put back the entry bytes of trampolines that still jump into
 * dead regions (newest first; leftover_entries_first has done so unless
 * it was killed) and unmap the blank regions of @st.  The
 * replaced, dead and retained regions (leftover_regions) are the caller's
 * to release (retain.h), in the same stop.  The revert of @busy (if not
 * NULL) is the caller's to finish.  -EAGAIN if an interrupted suture's hook
 * call ended since @st was read.  Hooks left to run may take @hook_ms each.
 */
int leftover_clean(struct session *s, struct rsys *rs, const struct rmem *mem,
		   const struct state *st, const struct record *busy,
		   const struct leftover_fds *fds, unsigned hook_ms,
		   struct error *err);

/*
 * leftover_regions - the regions of @st that are switched off and to be
 * unmapped once nothing refers to them: the replaced, the dead and the
 * retained ones.  *out is a new array (with room for one more; the caller
 * frees it) of pointers into @st; returns how many.
 */
size_t leftover_regions(const struct state *st, struct record ***out);

/*
 * leftover_finish_replace - the end of a committed replace, which
 * leftover_clean also finishes for an interrupted one: give every entry of
 * @p's switches its final bytes, then release the replaced patches in
 * @old, whose code no thread is in and no entry jumps to any more:
 * unmapped, or retained if the program may still use them
 * (retain_set_check; the caller finishes @old after the stop).
 */
int leftover_finish_replace(struct session *s, struct rsys *rs,
			    const struct rmem *mem, const struct record *p,
			    struct retain_set *old, struct error *err);

#endif
