/*
 * revert.c - the revert transaction (revert.h).
 *
 * Reverting is applying in reverse: with every thread stopped at a moment
 * when none is executing or due to return into the patch's code, the
 * commit byte is cleared (every function switches back at once) and the
 * bytes each trampoline overwrote are put back.  Still in the stop, the
 * process is scanned for anything that may lead into the region later (a
 * coroutine suspended in it, a pointer to its functions or data:
 * retain.h); the regions of earlier reverts kept for that reason, and
 * those an interrupted suture left, are checked in the same scan.  Then
 * the threads go, and the region, if nothing refers to it, is unmapped
 * with only one thread stopped (the lock's, as in apply.c), which that
 * stop also lets go for good; otherwise it stays, inactive and marked
 * retained, and the lock's thread goes with the others.  The
 * forbidden range is the whole code part of the region (gates and helpers
 * included); threads inside or below patch code are unwound with the
 * patch's own call-frame information (unwind.c), or scanned where that
 * does not cover a frame.
 *
 * Patches stack: a patch applied on top of another for the same function
 * saved the first one's trampoline as its "original" bytes, so reverting
 * the newest first restores the previous version, and reverting an older
 * one is refused while a newer one still replaces the same function or is
 * built on it (suture build --on).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "apply/revert.h"
#include "apply/bypass.h"
#include "apply/forbid.h"
#include "apply/hooks.h"
#include "apply/leftover.h"
#include "apply/patchcfi.h"
#include "apply/region.h"
#include "apply/retain.h"
#include "apply/shadow.h"
#include "apply/state.h"
#include "process/quiesce.h"
#include "process/rsyscall.h"
#include "process/wtrack.h"
#include "util/fault.h"
#include "util/phase.h"
#include "util/xalloc.h"

struct revert_ctx {
	pid_t pid;
	struct proc_maps maps;
	struct rmem mem;
	struct state st;
	struct modules mods;
	struct modcache *cache; /* where mods' files are kept, or NULL */
	struct record *rec;	/* the patch being reverted, in st; NULL if only
				   leftovers are to be removed */
	struct rsys rs;
	struct safety sf;
	struct session s;
	struct session_lock lock; /* held from the state's recheck on */
	size_t nrestored; /* rec->funcs[0..nrestored) have their bytes back */
	bool committed;	  /* rec's pre-revert hooks ran: the revert is
			     to be finished unless undone */
	struct retain_set off;	 /* the regions switched off (retain.h) */
	struct refscan_pre pre;	 /* off's scan before the stop */
	struct wtrack wt;	 /* its write tracker, where the kernel
				    keeps no soft-dirty marks */
	uint64_t track_ns;	 /* how long its hand-over held a thread */
	struct leftover_fds fds; /* suture's memfd descriptors, listed
				    under the lock before the stop */
	unsigned hook_ms;	 /* how long a hook may run */
	int back; /* entries into leftovers put back before the stop */
};

/* The function of @b that shares an entry with one of @a, or NULL. */
static const struct record_func *overlap(const struct record *a,
					 const struct record *b)
{
	for (size_t i = 0; i < a->nfuncs; i++)
		for (size_t j = 0; j < b->nfuncs; j++)
			if (a->funcs[i].entry == b->funcs[j].entry &&
			    !(a->funcs[i].flags & PFUNC_PART))
				return &b->funcs[j];
	return NULL;
}

/* Whether @later, applied after @r, keeps @r from being reverted: it is
 * built on @r, or replaces one of its functions. */
static int blocks(const struct record *r, const struct record *later,
		  struct error *err)
{
	const struct record_func *f;

	if (later->on[0] && !strcmp(later->on, r->name) &&
	    !strcmp(later->on_id, r->id))
		return error_set(err, -EBUSY,
				 "cannot revert '%s': patch '%s' is built on "
				 "it; revert '%s' first",
				 r->name, later->name, later->name);
	if ((f = overlap(r, later)))
		return error_set(err, -EBUSY,
				 "cannot revert '%s': patch '%s', applied "
				 "after it, also replaces function %s; revert "
				 "'%s' first",
				 r->name, later->name, f->name, later->name);
	return 0;
}

/* Pick the patch to revert: @name, or the newest; none if @only_leftovers
 * (leftovers_remove). */
static int choose(struct revert_ctx *c, const char *name, bool only_leftovers,
		  struct error *err)
{
	int r;

	if (only_leftovers)
		return 0;
	if (!c->st.n && (name || (!leftover_count(&c->st) && !c->st.nkept)))
		return error_set(err, -ENOENT,
				 "no patches are applied to process %d",
				 c->pid);
	if (!c->st.n)
		return 0; /* only leftovers to clean up, or retained regions */
	if (!name) {
		c->rec = &c->st.v[c->st.n - 1];
		return 0;
	}
	if (!(c->rec = state_find(&c->st, name)))
		return error_set(err, -ENOENT,
				 "patch '%s' is not applied to process %d",
				 name, c->pid);
	for (struct record *l = c->rec + 1; l < c->st.v + c->st.n; l++)
		if ((r = blocks(c->rec, l, err)))
			return r;
	return 0;
}

static int prepare(struct revert_ctx *c, const char *name, bool only_leftovers,
		   struct error *err)
{
	int r;

	phase_begin("find patch and prepare unwinder");
	if ((r = proc_check_target(c->pid, err)) ||
	    (r = proc_maps_read(c->pid, &c->maps, err)) ||
	    (r = rmem_open(&c->mem, c->pid, true, err)) ||
	    (r = state_read(&c->maps, &c->mem, &c->st, err)) ||
	    (r = choose(c, name, only_leftovers, err)) ||
	    (r = modules_load_cached(c->pid, &c->maps, c->cache, &c->mods,
				     err)) ||
	    (r = rsyscall_prepare(&c->rs, &c->mem, &c->mods, &c->maps, err)) ||
	    (r = patchcfi_safety_prepare(&c->sf, c->pid, &c->maps, &c->mem,
					 &c->mods, err)))
		return r;
	if (c->rec)
		forbid_new_code(&c->sf, c->rec);
	leftover_forbid(&c->sf, &c->st);
	rsyscall_forbid(&c->rs, &c->sf);
	return 0;
}

/*
 * Every entry must still hold the trampoline this patch wrote: anything
 * else means someone changed the code since, and restoring bytes saved
 * before that change would break it.
 */
static int check_trampolines(struct revert_ctx *c, struct error *err)
{
	unsigned char have[ARCH_TRAMPOLINE_MAX];
	size_t len = arch_trampoline_len();
	int r;

	for (size_t i = 0; i < c->rec->nfuncs; i++) {
		const struct record_func *f = &c->rec->funcs[i];

		if (f->flags & PFUNC_PART)
			continue;
		if ((r = rmem_read(&c->mem, f->entry, have, len, err)))
			return r;
		if (!bypass_entry_is_ours(f, have))
			return error_set(err, -EINVAL,
					 "function %s at %#" PRIx64
					 " no longer jumps to patch '%s'; its "
					 "code was changed by something else, "
					 "so nothing was changed",
					 f->name, f->entry, c->rec->name);
	}
	return 0;
}

/* Put the saved entry bytes back, counting for undo. */
static int restore_entries(struct revert_ctx *c, struct error *err)
{
	int r;

	for (c->nrestored = 0; c->nrestored < c->rec->nfuncs; c->nrestored++) {
		const struct record_func *f = &c->rec->funcs[c->nrestored];

		if (f->flags & PFUNC_PART)
			continue;
		if ((r = rmem_write(&c->mem, f->entry, f->saved, f->saved_len,
				    err)))
			return r;
		fault_point("entry restored");
	}
	return 0;
}

/* Set or clear the commit byte: one write switches the whole patch. */
static int set_live(struct revert_ctx *c, unsigned char live, struct error *err)
{
	return rmem_write(&c->mem, c->rec->base + record_live_offset(), &live,
			  1, err);
}

/* Undo restore_entries and the clearing of the commit byte; the revert is
 * not to be finished by the next suture either (hooks.h). */
static void undo(struct revert_ctx *c)
{
	unsigned char jmp[ARCH_TRAMPOLINE_MAX];

	if (!c->rec)
		return;
	if (c->committed)
		hooks_forget(&c->mem, c->rec, HOOK_PRE_REVERT);
	for (size_t i = 0; i < c->nrestored; i++) {
		const struct record_func *f = &c->rec->funcs[i];

		if (!(f->flags & PFUNC_PART) &&
		    !arch_trampoline_write(jmp, f->entry, record_func_jump(f)))
			rmem_write(&c->mem, f->entry, jmp,
				   arch_trampoline_len(), NULL);
	}
	set_live(c, 1, NULL);
}

/*
 * The reverse of apply's install: the pre-revert hooks run (unless an
 * interrupted suture ran them: then this revert finishes its), the
 * entries are aimed back at their gates (bypass.h), clearing the commit
 * byte switches every function back at once (the gates now send calls to
 * the old code), then the entries get their bytes back.  If suture dies
 * after the pre-revert hooks, the next suture finishes the revert
 * (rollforward.h); after the commit byte, the region is a leftover for it to
 * remove.  1 if leftover_clean finished another interrupted apply or
 * revert: the choice of patch is stale.
 */
static int uninstall(struct revert_ctx *c, struct error *err)
{
	int r;

	phase_begin("trampolines and commit");
	if ((r = leftover_clean(&c->s, &c->rs, &c->mem, &c->st, c->rec, &c->fds,
				c->hook_ms, err)))
		return r;
	if (!c->rec)
		return 0;
	if ((r = check_trampolines(c, err)) ||
	    (c->rec->pending_hooks != HOOK_PRE_REVERT &&
	     (r = hooks_run(&c->s, &c->rs, c->rec, HOOK_PRE_REVERT, c->hook_ms,
			    err))))
		return r;
	c->committed = true;
	if ((r = bypass_restore(&c->mem, c->rec, err)) ||
	    (r = set_live(c, 0, err)))
		return r;
	fault_point("patch uncommitted");
	return restore_entries(c, err)
		   ?: hooks_run(&c->s, &c->rs, c->rec, HOOK_POST_REVERT,
				c->hook_ms, err);
}

/*
 * Under the lock, before the stop: the regions the stop will find off
 * (the leftovers and retained ones, and this patch's), and the scan for
 * references to them made while the program runs (retain_set_before),
 * with the first code byte of one of them as its canary (this patch's if
 * there is one, else a leftover's, as for `suture gc`: record_canary).
 * Not the commit byte: the stop clears it before its scan, which would
 * mark its page written again and hide another tool's clearing of the
 * marks in between.
 * The state read under the lock holds until the stop, whose clean-up
 * (leftover_clean) changes no region's state unless it finishes another
 * suture's work, after which this attempt stops short of the scan.
 */
static void regions_off(struct revert_ctx *c)
{
	struct record **r;
	size_t n = leftover_regions(&c->st, &r);

	for (size_t i = 0; i < n; i++)
		retain_set_add(&c->off, r[i], true);
	if (c->rec)
		retain_set_add(&c->off, c->rec, false);
	free(r);
	if (!c->off.n)
		return;
	phase_begin("look for references before the stop");
	/* Without soft-dirty marks, the process's userfaultfd (wtrack.h):
	 * a stop of the lock's thread of its own, which pays where the
	 * switch stop would read much more. */
	if (prescan_tracker(&c->wt, c->pid))
		rsyscall_on_thread(c->pid, &c->lock, &c->mem, &c->mods,
				   &c->maps, wtrack_fetch, &c->wt, &c->track_ns,
				   NULL);
	c->pre.wt = &c->wt;
	retain_set_before(&c->off, NULL, c->pid, &c->mem,
			  record_canary(c->rec ? c->rec : c->off.r[0]),
			  &c->pre);
	c->lock.side = prescan_side(&c->pre);
}

/*
 * Still in the stop, once the patch is off: one scan decides which of the
 * regions that are off (the leftovers and retained ones, and this
 * patch's) the program may still use.  The free leftovers go now; this
 * patch's region after the stop (free_regions), as before this check.
 * The revert is done whatever the scan says.
 */
static void release_regions(struct revert_ctx *c, struct apply_result *res)
{
	struct error why = {""};

	phase_begin("look for references (all threads stopped)");
	if (retain_set_check(&c->off, &c->s, &c->rs, &c->mem, &why))
		snprintf(res->unfinished, sizeof(res->unfinished), "%s",
			 why.msg);
	if (c->off.pre)
		prescan_describe(c->off.pre, res->scan, sizeof(res->scan));
	/* Nothing left for after the stop (this patch's region is kept, or
	 * the scan failed and every region stays): nothing needs the lock,
	 * whose thread goes with the others instead of in a stop of its own
	 * (session_unlock_on_close, as in apply.c). */
	if (retain_set_settled(&c->off))
		session_unlock_on_close(&c->s, &c->lock);
}

/* With the region: the shadow-data anchor, which only it referred to. */
static int unmap_shadow(void *arg, struct session *s, struct rsys *rs,
			struct error *err)
{
	struct revert_ctx *c = arg;

	if (c->rec && !c->rec->retained && c->rec->shadow &&
	    shadow_idle(&c->st, c->rec, &c->mem))
		shadow_unmap(s, rs, c->rec->shadow, NULL);
	return 0;
}

/* The revert is done once the stop is over; a failure to unmap leaves a
 * region the next suture command removes, and is only reported.  Nothing
 * to do if the stop settled everything (release_regions); else the stop
 * of the lock's thread that unmaps also ends the lock (retain.h). */
static void free_regions(struct revert_ctx *c, struct apply_result *res)
{
	struct error why = {""};
	bool after = !retain_set_settled(&c->off);

	if (after)
		phase_begin("unmapping (one thread stopped)");
	if (retain_set_finish(&c->off, c->pid, &c->lock, &c->mem, &c->mods,
			      &c->maps, after ? unmap_shadow : NULL, c,
			      &res->aside_ns, &why))
		snprintf(res->unfinished, sizeof(res->unfinished), "%s",
			 why.msg);
	res->released = c->off.released;
	res->retained = c->off.retained;
}

/* leftover_entries_first, counting in c->back what it put back. */
static int entries_first(struct revert_ctx *c, struct error *err)
{
	int r = leftover_entries_first(&c->lock, &c->mem, &c->st, err);

	c->back = r > 0 ? r : 0;
	return r < 0 ? r : 0;
}

/*
 * A stop refused with a thread in the way says "nothing was changed" (a
 * thread stuck in the kernel, other words); after leftover_entries_first
 * put @back entries back, it says that too.
 */
static int refused(int r, int back, struct error *err)
{
	static const char nothing[] = "nothing was changed";
	char msg[sizeof(err->msg)];
	size_t n, k = sizeof(nothing) - 1;
	const char *join;

	if (r != -EBUSY || back <= 0)
		return r;
	n = strlen(strcpy(msg, err->msg));
	join = n >= k && !strcmp(msg + n - k, nothing) ? " but" : "; changed:";
	error_clear(err);
	return error_set(err, r,
			 "%s%s %d entr%s that still jumped into what an "
			 "interrupted suture left, put back first (through "
			 "the gates there, every call ran the old code "
			 "already)",
			 msg, join, back, back == 1 ? "y" : "ies");
}

/* The arguments of one revert attempt, for quiesce_retry. */
struct revert_try {
	pid_t pid;
	const char *name;
	bool only_leftovers;
	const struct apply_opts *o;
	struct apply_result *res;
};

/* One attempt; -EAGAIN if another suture changed the process meanwhile
 * (see apply_once), QUIESCE_AGAIN after a roll-forward. */
static int revert_once(void *arg, struct error *err)
{
	struct revert_try *t = arg;
	struct revert_ctx c = {.pid = t->pid,
			       .mem = {.fd = -1},
			       .pre = {.rm = {.pagemap = -1}},
			       .wt = {.sock = -1, .uffd = -1},
			       .hook_ms = t->o->hook_timeout_ms,
			       .cache = t->o->cache};
	struct apply_result *res = t->res;
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = prepare(&c, t->name, t->only_leftovers, err)) ||
	    (r = session_lock(&c.lock, t->pid, proc_quiet_thread(t->pid), err)))
		goto out_free;
	/* Locked: the state read before stays true from here on. */
	if ((r = state_recheck(t->pid, &c.mem, &c.st, err)) ||
	    (r = entries_first(&c, err)) ||
	    (leftover_fds_list(t->pid, &c.fds), 0) || (regions_off(&c), 0) ||
	    (r = quiesce(&c.s, t->pid, &c.lock, &c.sf, t->o->timeout_ms,
			 &res->attempts, err))) {
		r = refused(r, c.back, err);
		goto out_unlock;
	}
	/* After a roll-forward (r > 0) the state read is stale: its regions
	 * are left to the next attempt. */
	if ((r = uninstall(&c, err)) < 0)
		undo(&c);
	else if (r == 0)
		release_regions(&c, res);
	apply_release(&c.s, &c.rs, res, err);
	/* start again at once: that was work, not waiting (quiesce.h) */
	if (r > 0) {
		error_set(err, -EAGAIN,
			  "finished an apply or revert an interrupted suture "
			  "left in process %d, and found another each time",
			  t->pid);
		r = QUIESCE_AGAIN;
	}
	if (!r)
		res->cleaned = leftover_count(&c.st);
	res->track_ns = c.track_ns;
	if (!r)
		free_regions(&c, res);
	if (!r && c.rec) {
		res->rec = *c.rec;
		memset(c.rec, 0, sizeof(*c.rec));
	}
out_unlock:
	session_unlock(&c.lock);
out_free:
	retain_set_free(&c.off);
	prescan_free(&c.pre);
	wtrack_close(&c.wt);
	leftover_fds_free(&c.fds);
	rsyscall_drop(&c.rs);
	safety_free(&c.sf);
	modules_free(&c.mods);
	state_free(&c.st);
	rmem_close(&c.mem);
	proc_maps_free(&c.maps);
	return r;
}

int revert_patch(pid_t pid, const char *name, const struct apply_opts *o,
		 struct apply_result *res, struct error *err)
{
	struct revert_try t = {pid, name, false, o, res};

	return quiesce_retry(pid, revert_once, &t, o->timeout_ms, err);
}

int leftovers_remove(pid_t pid, const struct apply_opts *o, size_t *n,
		     struct error *err)
{
	struct apply_result res;
	struct revert_try t = {pid, NULL, true, o, &res};
	int r = quiesce_retry(pid, revert_once, &t, o->timeout_ms, err);

	*n = res.cleaned;
	return r;
}

int retain_gc(pid_t pid, const struct apply_opts *o, struct apply_result *res,
	      struct error *err)
{
	struct revert_try t = {pid, NULL, true, o, res};

	return quiesce_retry(pid, revert_once, &t, o->timeout_ms, err);
}
