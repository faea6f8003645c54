/* retain.c - keeping regions the program may still use (retain.h). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include "apply/refscan.h"
#include "apply/region.h"
#include "apply/retain.h"
#include "process/quiesce.h"
#include "util/fault.h"
#include "util/xalloc.h"

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Mark @r retained: the note first, then the byte, so a marked region
 * always has the note of its last check. */
static int mark(const struct rmem *mem, struct record *r,
		const struct refscan_target *t, struct error *err)
{
	unsigned char note[RECORD_RETAIN_SIZE], one = 1;
	size_t off = record_retain_offset(r);
	int ret;

	r->retain = (struct record_retain){t->count, t->at, (uint64_t)t->tid,
					   realtime_ns()};
	record_retain_encode(&r->retain, note);
	if (off &&
	    (ret = rmem_write(mem, r->base + off, note, sizeof(note), err)))
		return ret;
	if (!r->retained &&
	    (ret = rmem_write(mem, r->base + record_retained_offset(), &one, 1,
			      err)))
		return ret;
	r->retained = true;
	fault_point("region retained");
	return 0;
}

/* The bytes of each entry of @rec a trampoline overwrites, past the
 * first, into @t[0..rec->nfuncs). */
static void entry_targets(const struct record *rec, struct refscan_target *t)
{
	for (size_t i = 0; i < rec->nfuncs; i++)
		if (!(rec->funcs[i].flags & PFUNC_PART))
			t[i] = (struct refscan_target){
			    .lo = rec->funcs[i].entry + 1,
			    .hi = rec->funcs[i].entry + arch_trampoline_len()};
}

/*
 * The targets of one scan, *nt of them: first the entries of @rec (none if
 * NULL; entry_targets), then the regions @r[i] with @which[i] (all if
 * NULL; the others empty), their own memory left out of the scan if @own.
 * One list serves apply's check of its entries and the check of the
 * regions a replace switches off, so that one scan before the stop, for
 * the same ranges, serves both scans in it (refscan takes the first scan
 * only for the same ranges).
 */
static struct refscan_target *targets(const struct record *rec,
				      struct record *const *r, size_t n,
				      const bool *which, bool own, size_t *nt)
{
	size_t k = rec ? rec->nfuncs : 0;
	struct refscan_target *t = xcalloc(k + n + 1, sizeof(*t));

	if (rec)
		entry_targets(rec, t);
	for (size_t i = 0; i < n; i++)
		if (!which || which[i])
			t[k + i] = (struct refscan_target){.lo = r[i]->base,
							   .hi = r[i]->base +
								 r[i]->size,
							   .own = own};
	*nt = k + n;
	return t;
}

/*
 * With every thread of @s stopped: scan for references to the regions of
 * @set (through the scan before the stop set->pre, if any, which looked
 * for set->entries' entries too) and mark each one something refers to as
 * retained (set->keep[i] true, set->r[i]->retain filled in).
 * set->settle[i] is set for a kept region whose references are all in
 * threads' registers or the live part of their own stacks: often stale
 * slots of calls that returned, which retain_settle checks again.  On
 * failure nothing is known: the caller keeps every region mapped.
 */
static int check(struct retain_set *set, struct session *s,
		 const struct rmem *mem, struct error *err)
{
	size_t nt, k;
	struct refscan_target *t =
	    targets(set->entries, set->r, set->n, NULL, true, &nt);
	int ret;

	k = nt - set->n; /* set->r[i]'s target is t[k + i] */
	for (size_t i = 0; i < set->n; i++)
		set->keep[i] = true;
	if ((ret = refscan(s, mem, t, nt, set->pre, err)))
		goto out;
	for (size_t i = 0; i < set->n && !ret; i++) {
		const struct refscan_target *ti = &t[k + i];

		set->settle[i] = ti->count && ti->in_threads == ti->count;
		if ((set->keep[i] = ti->count > 0))
			ret = mark(mem, set->r[i], ti, err);
	}
out:
	free(t);
	return ret;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* One more stop and scan for the regions still to settle; 1 while some
 * are left. */
static int settle_once(pid_t pid, const struct session_lock *l,
		       const struct rmem *mem, struct record *const *r,
		       size_t n, bool *keep, bool *settle, struct error *err)
{
	size_t nt;
	struct refscan_target *t = targets(NULL, r, n, settle, true, &nt);
	struct session s;
	int ret, left = 0;

	if ((ret = session_open(&s, pid, l, NULL, NULL, err)))
		goto out;
	ret = refscan(&s, mem, t, nt, NULL, err);
	session_close(&s, NULL);
	for (size_t i = 0; i < n && !ret; i++) {
		if (!settle[i])
			continue;
		keep[i] = t[i].count > 0;
		settle[i] = keep[i] && t[i].in_threads == t[i].count;
		left |= settle[i];
	}
out:
	free(t);
	return ret ? ret : left;
}

int retain_settle(pid_t pid, const struct session_lock *l,
		  const struct rmem *mem, struct record *const *r, size_t n,
		  bool *keep, bool *settle, struct error *err)
{
	uint64_t deadline = session_now_ns() + RETAIN_SETTLE_MS * 1000000ull;
	int ret = 0;

	for (size_t i = 0; i < n; i++)
		settle[i] = settle[i] && keep[i];
	for (size_t i = 0; i < n; i++)
		ret |= settle[i];
	while (ret > 0 && session_now_ns() < deadline) {
		sleep_ms(QUIESCE_RETRY_MS);
		ret = settle_once(pid, l, mem, r, n, keep, settle, err);
	}
	return ret < 0 ? ret : 0;
}

int retain_unmap(struct session *s, struct rsys *rs, const struct record *r,
		 struct error *err)
{
	unsigned all = 0;
	int ret;

	for (int k = 0; k < RECORD_NPARTS; k++)
		if (r->parts[k].size)
			all |= 1u << k;
	if (!(ret = region_unmap_parts(s, rs, r->base, r->parts, all, err)))
		fault_point("region unmapped");
	return ret;
}

void retain_set_add(struct retain_set *set, struct record *r, bool now)
{
	if (set->n == set->cap) {
		set->cap = set->cap ? 2 * set->cap : 8;
		set->r = xrealloc(set->r, set->cap * sizeof(*set->r));
		set->keep = xrealloc(set->keep, set->cap * sizeof(bool));
		set->settle = xrealloc(set->settle, set->cap * sizeof(bool));
		set->late = xrealloc(set->late, set->cap * sizeof(bool));
	}
	/* the ones that may go now first: r[0..now) */
	if (now && set->now < set->n)
		set->r[set->n] = set->r[set->now];
	set->r[now ? set->now : set->n] = r;
	set->now += now;
	set->n++;
}

void retain_set_free(struct retain_set *set)
{
	free(set->r);
	free(set->keep);
	free(set->settle);
	free(set->late);
	memset(set, 0, sizeof(*set));
}

int retain_set_check(struct retain_set *set, struct session *s, struct rsys *rs,
		     const struct rmem *mem, struct error *err)
{
	int ret;

	for (size_t i = 0; i < set->n; i++)
		set->keep[i] = true, set->settle[i] = set->late[i] = false;
	if (!set->n || (ret = check(set, s, mem, err)))
		return set->n ? ret : 0;
	for (size_t i = set->now; i-- > 0;) {
		if (!set->keep[i] &&
		    (ret = retain_unmap(s, rs, set->r[i], err)))
			return ret;
		set->released += !set->keep[i];
	}
	for (size_t i = set->now; i < set->n; i++)
		set->late[i] = !set->keep[i];
	return 0;
}

void retain_set_before(struct retain_set *set, const struct record *entries,
		       pid_t pid, const struct rmem *mem, uint64_t canary,
		       struct refscan_pre *pre)
{
	size_t nt;
	struct refscan_target *t =
	    targets(entries, set->r, set->n, NULL, true, &nt);

	refscan_before(pid, mem, t, nt, canary, pre);
	set->entries = entries;
	set->pre = pre;
	free(t);
}

bool retain_set_settled(const struct retain_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->late[i] || (set->keep[i] && set->settle[i]))
			return false;
	return true;
}

static int unmap_late(void *arg, struct session *s, struct rsys *rs,
		      struct error *err)
{
	struct retain_set *set = arg;
	int ret;

	for (size_t i = 0; i < set->n; i++)
		if (set->late[i] && (ret = retain_unmap(s, rs, set->r[i], err)))
			return ret;
	return 0;
}

/* The last work under the lock: unmap_late, then the caller's work. */
struct late_work {
	struct retain_set *set;
	struct session_lock *l;
	rsyscall_work_fn *also;
	void *arg;
};

static int late_work(void *arg, struct session *s, struct rsys *rs,
		     struct error *err)
{
	struct late_work *w = arg;

	session_unlock_on_close(s, w->l);
	return unmap_late(w->set, s, rs, err)
		   ?: (w->also ? w->also(w->arg, s, rs, err) : 0);
}

int retain_set_finish(struct retain_set *set, pid_t pid, struct session_lock *l,
		      const struct rmem *mem, const struct modules *mods,
		      const struct proc_maps *maps, rsyscall_work_fn *also,
		      void *arg, uint64_t *held_ns, struct error *err)
{
	struct late_work w = {set, l, also, arg};
	bool any = also != NULL, *was = xcalloc(set->n + 1, sizeof(*was));
	int ret;

	for (size_t i = 0; i < set->n; i++)
		was[i] = set->keep[i];
	ret = retain_settle(pid, l, mem, set->r, set->n, set->keep, set->settle,
			    err);
	for (size_t i = 0; i < set->n; i++) {
		set->late[i] |= was[i] && !set->keep[i];
		set->r[i]->retained = set->keep[i];
		any |= set->late[i];
		if (i < set->now) {
			set->released += set->late[i];
			set->retained += set->keep[i];
		}
	}
	free(was);
	if (!ret && any)
		ret = rsyscall_on_thread(pid, l, mem, mods, maps, late_work, &w,
					 held_ns, err);
	return ret;
}

/* The refusal for memory the scan could not read, which may hold what it
 * looks for. */
static int unreadable_error(pid_t pid, const struct refscan_target *t,
			    const char *func, char *where, size_t len,
			    struct error *err)
{
	return error_set(
	    err, -EAGAIN,
	    "memory of process %d could not be read (%s, at %#" PRIx64
	    "): it may hold a saved context or return address inside the "
	    "%zu bytes of function %s that its jump to the patch overwrites; "
	    "nothing was changed",
	    (int)pid, refscan_where(pid, t->at, t->tid, where, len), t->at,
	    arch_trampoline_len(), func);
}

int retain_entries(struct session *s, const struct rmem *mem,
		   const struct record *rec, const struct retain_set *set,
		   struct error *err)
{
	size_t nt;
	/* the regions' own memory is scanned too: a context may be saved in
	 * an old patch's data */
	struct refscan_target *t =
	    targets(rec, set->r, set->n, NULL, false, &nt);
	char where[256];
	int ret;

	if ((ret = refscan(s, mem, t, nt, set->pre, err)))
		goto out;
	for (size_t i = 0; i < rec->nfuncs; i++) {
		if (!t[i].count)
			continue;
		if (t[i].unreadable) {
			ret =
			    unreadable_error(s->pid, &t[i], rec->funcs[i].name,
					     where, sizeof(where), err);
			break;
		}
		ret = error_set(
		    err, -EAGAIN,
		    "a saved context or return address %s (%s, at %#" PRIx64
		    ") points %" PRIu64 " bytes into function %s, inside "
		    "the %zu bytes its jump to the patch overwrites: a "
		    "coroutine or stack suspended there would resume in the "
		    "middle of the jump; nothing was changed, try again once "
		    "it has moved on",
		    t[i].at ? "in memory" : "in a register",
		    refscan_where(s->pid, t[i].at, t[i].tid, where,
				  sizeof(where)),
		    t[i].at, t[i].value - rec->funcs[i].entry,
		    rec->funcs[i].name, arch_trampoline_len());
		break;
	}
out:
	free(t);
	return ret;
}
