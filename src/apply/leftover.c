/* leftover.c - removing what an interrupted suture left (leftover.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "apply/rollforward.h"
#include "apply/forbid.h"
#include "apply/hooks.h"
#include "apply/leftover.h"
#include "apply/retain.h"
#include "util/fault.h"
#include "util/xalloc.h"

size_t leftover_count(const struct state *st)
{
	size_t n = st->ndead + st->nold;

	for (size_t i = 0; i < st->n; i++)
		n += st->v[i].pending_hooks >= 0;

	for (size_t i = 0; i < st->nbad; i++)
		n += st->bad[i].blank;
	return n;
}

static void forbid(struct safety *sf, const struct record *r, size_t n,
		   const char *how)
{
	for (size_t i = 0; i < n; i++) {
		char *what =
		    xasprintf("the code %s patch '%s'", how, r[i].name);

		safety_add(sf, r[i].base, r[i].base + r[i].size, what);
		free(what);
	}
}

void leftover_forbid(struct safety *sf, const struct state *st)
{
	forbid(sf, st->dead, st->ndead, "left by an interrupted suture for");
	forbid(sf, st->old, st->nold, "of the replaced");
	/* what finishing an interrupted apply or revert switches */
	for (size_t i = 0; i < st->ndead; i++)
		if (st->dead[i].pending_hooks == HOOK_PRE_APPLY)
			forbid_old_code(sf, &st->dead[i], st);
	for (size_t i = 0; i < st->n; i++)
		if (st->v[i].pending_hooks == HOOK_PRE_REVERT)
			forbid_new_code(sf, &st->v[i]);
}

/* Where settle_switches and restore_entries put an entry that still
 * jumps into its region: nowhere (only count them), back to its bytes
 * from before, or to the bytes of a completed replace. */
enum settle { SETTLE_COUNT, SETTLE_BEFORE, SETTLE_AFTER };

/*
 * The entries of @r's switches that still jump to a switch gate, set as
 * @to says; how many there were.
 */
static int settle_switches(const struct rmem *mem, const struct record *r,
			   enum settle to, struct error *err)
{
	unsigned char have[ARCH_TRAMPOLINE_MAX];
	int ret, n = 0;

	for (size_t i = 0; i < r->nswitches; i++) {
		const struct record_switch *w = &r->switches[i];

		if ((ret = rmem_read(mem, w->entry, have, w->len, err)))
			return ret;
		if (!record_switch_pending(w, have))
			continue;
		n++;
		if (to == SETTLE_COUNT)
			continue;
		if ((ret = rmem_write(mem, w->entry,
				      to == SETTLE_AFTER ? w->after : w->before,
				      w->len, err)))
			return ret;
		fault_point("switch settled");
	}
	return n;
}

/* The entries of @r that still jump into it, restored unless @to is
 * SETTLE_COUNT; how many there were. */
static int restore_entries(const struct rmem *mem, const struct record *r,
			   enum settle to, struct error *err)
{
	unsigned char have[ARCH_TRAMPOLINE_MAX];
	int ret, n = 0;

	for (size_t i = 0; i < r->nfuncs; i++) {
		const struct record_func *f = &r->funcs[i];

		if (f->flags & PFUNC_PART)
			continue;
		if ((ret = rmem_read(mem, f->entry, have, arch_trampoline_len(),
				     err)))
			return ret;
		if (!arch_trampoline_is(have, f->entry, record_func_jump(f)))
			continue;
		n++;
		if (to == SETTLE_COUNT)
			continue;
		if ((ret = rmem_write(mem, f->entry, f->saved, f->saved_len,
				      err)))
			return ret;
		fault_point("leftover entry restored");
	}
	ret = settle_switches(mem, r, to, err);
	return ret < 0 ? ret : n + ret;
}

/*
 * Those of every dead region of @st that no interrupted apply is to be
 * finished from (rollforward.h: its entries are that apply's to switch),
 * newest first; how many there were.
 */
static int restore_dead(const struct rmem *mem, const struct state *st,
			enum settle to, struct error *err)
{
	int r, n = 0;

	for (size_t i = st->ndead; i-- > 0;) {
		if (st->dead[i].pending_hooks == HOOK_PRE_APPLY)
			continue;
		if ((r = restore_entries(mem, &st->dead[i], to, err)) < 0)
			return r;
		n += r;
	}
	return n;
}

int leftover_entries_first(const struct session_lock *l, const struct rmem *mem,
			   const struct state *st, struct error *err)
{
	struct session s;
	int r;

	/* read while the program runs: only a suture changes these bytes,
	 * and the lock keeps every other one out */
	if ((r = restore_dead(mem, st, SETTLE_COUNT, err)) <= 0)
		return r;
	if ((r = session_open(&s, l->pid, l, NULL, NULL, err)))
		return r;
	r = restore_dead(mem, st, SETTLE_BEFORE, err);
	session_close(&s, NULL);
	return r;
}

/* Unmap a region suture mapped and never wrote: no record, nothing in
 * the program can refer to it. */
static int unmap_blank(struct session *s, struct rsys *rs,
		       const struct state_bad *b, struct error *err)
{
	const uint64_t args[6] = {b->start, b->end - b->start};
	long ret;
	int r;

	if ((r = rsyscall(s, rs, SYS_munmap, args, &ret, err)))
		return r;
	if (ret < 0)
		return error_set(err, (int)ret,
				 "cannot unmap the leftover region at %#" PRIx64
				 " in process %d: %s",
				 b->start, s->pid, strerror((int)-ret));
	fault_point("leftover region unmapped");
	return 0;
}

/* Whether descriptor @fd of @pid is one of suture's memfds. */
static bool ours(pid_t pid, int fd)
{
	char path[64], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	return !strncmp(link, "/memfd:" STATE_MEMFD_PREFIX,
			strlen("/memfd:" STATE_MEMFD_PREFIX));
}

void leftover_fds_list(pid_t pid, struct leftover_fds *f)
{
	char dir[64];
	struct dirent *d;
	DIR *fds;

	memset(f, 0, sizeof(*f));
	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	if (!(fds = opendir(dir)))
		return; /* not knowing leaks a descriptor, nothing worse */
	f->listed = true;
	while ((d = readdir(fds))) {
		int fd = atoi(d->d_name);

		if (d->d_name[0] == '.' || !ours(pid, fd))
			continue;
		XGROW(f->fd, f->cap, f->n);
		f->fd[f->n++] = fd;
	}
	closedir(fds);
}

void leftover_fds_free(struct leftover_fds *f)
{
	free(f->fd);
	memset(f, 0, sizeof(*f));
}

/*
 * Close the descriptors of suture's memfds that a suture killed between
 * memfd_create and close left open: those of @before that still are (with
 * every thread stopped, the numbers cannot change under us), or all, read
 * now, if @before may miss one (leftover_fds).
 */
static int close_memfds(struct session *s, struct rsys *rs,
			const struct leftover_fds *before, struct error *err)
{
	struct leftover_fds now = {0};
	const struct leftover_fds *f = before;
	int r = 0;

	if (!before || !before->listed || rs->stale) {
		leftover_fds_list(s->pid, &now);
		f = &now;
	}
	for (size_t i = 0; !r && i < f->n; i++) {
		uint64_t args[6] = {(uint64_t)f->fd[i]};
		long ret;

		if (!ours(s->pid, f->fd[i]))
			continue;
		r = rsyscall(s, rs, SYS_close, args, &ret, err);
		fault_point("leftover descriptor closed");
	}
	leftover_fds_free(&now);
	return r;
}

size_t leftover_regions(const struct state *st, struct record ***out)
{
	size_t n = 0;

	*out = xcalloc(st->nold + st->ndead + st->nkept + 2, sizeof(**out));
	for (size_t i = 0; i < st->nold; i++)
		(*out)[n++] = &st->old[i];
	for (size_t i = 0; i < st->ndead; i++)
		(*out)[n++] = &st->dead[i];
	for (size_t i = 0; i < st->nkept; i++)
		(*out)[n++] = &st->kept[i];
	return n;
}

int leftover_finish_replace(struct session *s, struct rsys *rs,
			    const struct rmem *mem, const struct record *p,
			    struct retain_set *old, struct error *err)
{
	int r = settle_switches(mem, p, SETTLE_AFTER, err);

	return r < 0 ? r : retain_set_check(old, s, rs, mem, err);
}

/* Run the post-apply or post-revert hooks of @r that an interrupted
 * suture did not get to (hooks.h). */
static int pending_hooks(struct session *s, struct rsys *rs,
			 const struct record *r, unsigned hook_ms,
			 struct error *err)
{
	if (r->pending_hooks != HOOK_POST_APPLY &&
	    r->pending_hooks != HOOK_POST_REVERT)
		return 0;
	return hooks_run(s, rs, r, r->pending_hooks, hook_ms, err);
}

int leftover_clean(struct session *s, struct rsys *rs, const struct rmem *mem,
		   const struct state *st, const struct record *busy,
		   const struct leftover_fds *fds, unsigned hook_ms,
		   struct error *err)
{
	int r;

	if ((r = state_hooks_settled(mem, st, err)) ||
	    (r = rollforward_interrupted(s, rs, mem, st, busy, hook_ms, err)) ||
	    (r = close_memfds(s, rs, fds, err)))
		return r;
	for (size_t i = 0; i < st->n; i++) {
		const struct record *v = &st->v[i];

		if ((r = pending_hooks(s, rs, v, hook_ms, err)) ||
		    (r = settle_switches(mem, v, SETTLE_AFTER, err)) < 0)
			return r;
	}
	for (size_t i = st->ndead; i-- > 0;)
		if ((r = pending_hooks(s, rs, &st->dead[i], hook_ms, err)))
			return r;
	if ((r = restore_dead(mem, st, SETTLE_BEFORE, err)) < 0)
		return r;
	for (size_t i = 0; i < st->nbad; i++)
		if (st->bad[i].blank &&
		    (r = unmap_blank(s, rs, &st->bad[i], err)))
			return r;
	return 0;
}
