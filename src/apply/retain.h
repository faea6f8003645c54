/*
 * retain.h - unmapping a patch's region only when the program can no
 * longer use it.
 *
 * Once a region is switched off (reverted, replaced, or left by an
 * interrupted suture), no new call enters it: every entry has its bytes
 * back.  But a coroutine suspended in its code, a callback pointer to one
 * of its new functions, or a pointer to one of its new strings may still
 * lead into it, and unmapping it would crash the program later.  So,
 * with every thread stopped, the process is scanned for references
 * (refscan.h) to each region about to go: one nothing refers to is
 * unmapped, one something refers to is kept mapped, inactive, and marked
 * as retained in the process (its record's retained byte, and a note of
 * what the scan found).  A retained region is checked again by every
 * later revert and by `suture gc`, and unmapped once nothing refers to it.
 * A suture killed before the mark leaves a region switched off and not
 * marked: a leftover, which the next command scans the same way.
 */
#ifndef SUTURE_APPLY_RETAIN_H
#define SUTURE_APPLY_RETAIN_H

#include "apply/prescan.h"
#include "apply/record.h"
#include "process/rsyscall.h"
#include "process/session.h"

/* How long regions kept only for references in threads (below) are
 * checked again after the stop: stale slots of running threads are
 * overwritten within milliseconds; a sleeping thread's stay, and a real
 * reference stays, so this is what such a revert may take longer. */
#define RETAIN_SETTLE_MS 500

/*
 * retain_settle - after the stop in which retain_set_check kept them: check
 * the regions with keep[i] and settle[i] again, each time in a stop of
 * the whole process of its own (lock @l held), every QUIESCE_RETRY_MS for
 * up to RETAIN_SETTLE_MS while the threads run, and clear keep[i] for
 * each one found free (still marked retained in the process: the caller
 * unmaps it, with one thread stopped; if suture dies first, the next
 * check finds it free).  settle[i] is cleared for one referred to from
 * elsewhere meanwhile.
 */
int retain_settle(pid_t pid, const struct session_lock *l,
		  const struct rmem *mem, struct record *const *r, size_t n,
		  bool *keep, bool *settle, struct error *err);

/* retain_unmap - unmap region @r, whole, through @rs. */
int retain_unmap(struct session *s, struct rsys *rs, const struct record *r,
		 struct error *err);

/*
 * The regions one command switched off or found switched off, and what
 * became of them: checked in the stop (retain_set_check), checked again
 * and unmapped after it (retain_set_finish).
 */
struct retain_set {
	struct record **r; /* not owned */
	size_t n, cap;
	size_t now;	 /* r[0..now) may be unmapped in the stop already */
	bool *keep;	 /* r[i] may still be used: it stays, retained */
	bool *settle;	 /* only threads referred to it (retain_set_check) */
	bool *late;	 /* r[i] is unmapped after the stop */
	size_t released; /* of r[0..now): unmapped now that nothing refers
			    to them */
	size_t retained; /* of r[0..now): kept */
	struct refscan_pre *pre;      /* the scan before the stop, or NULL */
	const struct record *entries; /* apply's patch, whose entries that
					 scan looked for too, or NULL */
};

/* retain_set_add - add @r; @now: it may go in the stop already. */
void retain_set_add(struct retain_set *set, struct record *r, bool now);
void retain_set_free(struct retain_set *set);

/*
 * retain_set_before - while the program runs, under the lock, once @set
 * holds every region the stop will check: the scan retain_set_check makes,
 * into @pre, so that the stop reads again only the memory written since
 * and through a reader opened already (refscan_before; @canary is a byte
 * of a region's, in a page the program cannot write).  @entries: NULL,
 * or apply's patch, whose entries (retain_entries) the same scan looks for
 * too: one scan before the stop serves both scans of a replace's stop.
 * The caller frees @pre (prescan_free) after the stop.
 */
void retain_set_before(struct retain_set *set, const struct record *entries,
		       pid_t pid, const struct rmem *mem, uint64_t canary,
		       struct refscan_pre *pre);

/*
 * retain_set_check - with every thread of @s stopped, once no entry jumps
 * into the regions of @set any more: check them all in one scan, mark
 * the ones the program may still use, unmap the free ones that may go now
 * through @rs.  If the scan fails, every region stays, unmarked, for the
 * next command to check again.
 */
int retain_set_check(struct retain_set *set, struct session *s, struct rsys *rs,
		     const struct rmem *mem, struct error *err);

/*
 * retain_set_settled - after retain_set_check: whether nothing of @set is
 * left for after the stop (no region to settle, none to unmap late), so
 * that retain_set_finish needs neither the lock nor a stop of any thread.
 */
bool retain_set_settled(const struct retain_set *set);

/*
 * retain_set_finish - after the stop (lock @l still held): settle
 * (retain_settle) the regions only threads referred to, then unmap those
 * found free and the free ones that had to wait for the stop to end, with
 * one thread stopped (rsyscall_on_thread, which @mods and @maps serve),
 * and run @also(@arg) there too if not NULL.  That stop, the lock's
 * thread's, also ends the lock (session_unlock_on_close: its release
 * detaches the thread, where session_unlock would stop it once more):
 * the caller must need the lock no longer.  *held_ns as for
 * rsyscall_on_thread.
 */
int retain_set_finish(struct retain_set *set, pid_t pid, struct session_lock *l,
		      const struct rmem *mem, const struct modules *mods,
		      const struct proc_maps *maps, rsyscall_work_fn *also,
		      void *arg, uint64_t *held_ns, struct error *err);

/*
 * retain_entries - with every thread of @s stopped, before apply writes
 * the trampolines of @rec: -EAGAIN if a word in the process's memory
 * points into the bytes a trampoline overwrites, past a function's first
 * byte (a context saved there, a coroutine's return address, would resume
 * in the middle of the jump), naming the function and where the word is.
 * @set: the regions a replace will switch off (none for a plain apply),
 * whose scan before the stop (retain_set_before, @rec its entries) this
 * scan takes for the memory not written since; it looks for them too, and
 * ignores what it finds of them.
 */
int retain_entries(struct session *s, const struct rmem *mem,
		   const struct record *rec, const struct retain_set *set,
		   struct error *err);

#endif
