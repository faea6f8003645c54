/*
 * refscan.c - the conservative scan for references (refscan.h).
 *
 * The words are checked against the span of all targets first, so a word
 * costs a subtraction and a comparison unless it lands near a target.
 * The dead parts of thread stacks (deadstack.h) are read last, from the
 * lowest word in memory pointing into them, again and again while reading
 * them finds lower ones.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

#include "apply/deadstack.h"
#include "apply/prescan.h"
#include "apply/refmem.h"
#include "apply/refscan.h"
#include "process/mapquery.h"
#include "process/proc.h"
#include "process/wtrack.h"
#include "util/xalloc.h"

struct scan {
	struct refscan_target *t;
	size_t n;
	uint64_t tlo, tspan; /* every target is in [tlo, tlo + tspan) */
	struct deadset ds;   /* the dead parts of thread stacks */
	uint64_t guard;	     /* glibc's pointer guard, if known */
	bool has_guard;
	struct refscan_pre *pre; /* the scan before the stop, or NULL */
	bool before;		 /* this is it: keep the words in pre */
};

/* Whether @at (0: a register) is in a thread's registers or the live part
 * of its own stack. */
static bool in_threads(const struct scan *sc, uint64_t at)
{
	const struct dead *d = at ? deadset_at(&sc->ds, at) : NULL;

	return !at || (d && d->live && at >= d->hi);
}

static void target_hit(struct scan *sc, uint64_t v, uint64_t at, pid_t tid)
{
	for (size_t i = 0; i < sc->n; i++) {
		struct refscan_target *t = &sc->t[i];

		if (v < t->lo || v >= t->hi)
			continue;
		t->in_threads += in_threads(sc, at);
		if (!t->count++) {
			t->value = v;
			t->at = at;
			t->tid = tid;
		}
	}
}

static void dead_hit(struct scan *sc, uint64_t v, uint64_t at)
{
	struct dead *d = at ? deadset_at(&sc->ds, v) : NULL;

	if (d && d->live && v < d->from && v < d->low)
		d->low = v;
}

static void word(struct scan *sc, uint64_t v, uint64_t at, pid_t tid)
{
	if (v - sc->tlo < sc->tspan)
		target_hit(sc, v, at, tid);
	/* Registers do not count (dead_hit): a register pointing below a
	 * stack pointer points at nothing allocated (calls' leftovers); a
	 * context suspended down there is found through the words in memory
	 * that saved it. */
	if (v - sc->ds.lo < sc->ds.span)
		dead_hit(sc, v, at);
}

/* Whether @v is in a target or a (possible) stack: the span test lets
 * through every pointer into memory between two stacks. */
static bool near(const struct scan *sc, uint64_t v)
{
	for (size_t i = 0; i < sc->n; i++)
		if (v >= sc->t[i].lo && v < sc->t[i].hi)
			return true;
	return deadset_at(&sc->ds, v) != NULL;
}

/* The scan before the stop: keep word @v at @at (@d demangled) for the
 * stop if it may count there. */
static void keep(struct scan *sc, uint64_t v, uint64_t d, uint64_t at)
{
	if (near(sc, v) || (sc->has_guard && near(sc, d)))
		prescan_hit(sc->pre, at, v, false);
}

/*
 * The first test, which every word of the process goes through: whether
 * word @v, or @v as glibc demangles it (*@d), may point into a target or
 * a dead part.  No branch of its own, on copies (struct first) the calls
 * cannot change.  The spans and the guard are set before the scan reads
 * any memory, so suture's second thread tests with them too (pick).
 */
struct first {
	uint64_t guard, tlo, tspan, dlo, dspan;
	bool mangled;
};

static struct first first_of(const struct scan *sc)
{
	return (struct first){sc->guard, sc->tlo,     sc->tspan,
			      sc->ds.lo, sc->ds.span, sc->has_guard};
}

static inline bool passes(const struct first *f, uint64_t v, uint64_t *d)
{
	const unsigned rot = arch_ptr_mangle_rot;

	*d = ((v >> rot) | (v << (64 - rot))) ^ f->guard;
	return (v - f->tlo < f->tspan) | (v - f->dlo < f->dspan) |
	       (f->mangled &
		((*d - f->tlo < f->tspan) | (*d - f->dlo < f->dspan)));
}

/* Which of @n words at @w pass the first test (refmem_pick_fn). */
static size_t pick(void *arg, const uint64_t *w, size_t n, uint32_t *idx)
{
	const struct first f = first_of(arg);
	size_t k = 0;
	uint64_t d;

	for (size_t i = 0; i < n; i++) {
		idx[k] = (uint32_t)i;
		k += passes(&f, w[i], &d);
	}
	return k;
}

/* Check @n words at @w, found at @at (0: registers of @tid), also as
 * glibc demangles them (without a guard, the same word twice). */
static void words(void *arg, const uint64_t *w, size_t n, uint64_t at,
		  pid_t tid)
{
	struct scan *sc = arg;
	const struct first f = first_of(sc);

	for (size_t i = 0; i < n; i++) {
		uint64_t v = w[i], d;

		if (!passes(&f, v, &d))
			continue;
		if (sc->before) {
			keep(sc, v, d, at + 8 * i);
			continue;
		}
		word(sc, v, at ? at + 8 * i : 0, tid);
		if (f.mangled)
			word(sc, d, at ? at + 8 * i : 0, tid);
	}
}

/* Unreadable memory might hold anything: a reference to every target. */
static void unreadable(void *arg, uint64_t at)
{
	struct scan *sc = arg;

	if (sc->before) {
		prescan_hit(sc->pre, at, 0, true);
		return;
	}
	for (size_t i = 0; i < sc->n; i++)
		if (sc->t[i].lo < sc->t[i].hi && !sc->t[i].count++) {
			sc->t[i].at = sc->t[i].value = at;
			sc->t[i].unreadable = true;
		}
	for (size_t i = 0; i < sc->ds.n; i++)
		sc->ds.d[i].low = sc->ds.d[i].lo;
}

/* Every thread's registers, general and vector. */
static void scan_registers(struct scan *sc, struct session *s)
{
	static uint64_t fp[ARCH_FP_MAX / 8];

	for (size_t i = 0; i < s->n; i++) {
		struct session_thread *t = &s->t[i];
		struct iovec io = {fp, sizeof(fp)};

		if (t->gone)
			continue;
		words(sc, (const uint64_t *)&t->regs, sizeof(t->regs) / 8, 0,
		      t->tid);
		if (ptrace(PTRACE_GETREGSET, t->tid, arch_fp_regset, &io) == 0)
			words(sc, fp, io.iov_len / 8, 0, t->tid);
	}
}

/* The span of the targets (deadset_sort makes that of the dead parts). */
static void spans(struct scan *sc)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	for (size_t i = 0; i < sc->n; i++) {
		if (sc->t[i].lo >= sc->t[i].hi)
			continue;
		lo = sc->t[i].lo < lo ? sc->t[i].lo : lo;
		hi = sc->t[i].hi > hi ? sc->t[i].hi : hi;
	}
	sc->tlo = lo;
	sc->tspan = hi > lo ? hi - lo : 0;
}

/* Whether @m is to be left out: a target's own memory, or the kernel's
 * [vdso], [vvar] and [vsyscall] (none holds a pointer the program made). */
static bool skipped(const struct scan *sc, const struct proc_map *m)
{
	if (!strncmp(m->path, "[v", 2))
		return true;
	for (size_t i = 0; i < sc->n; i++)
		if (sc->t[i].own && m->start < sc->t[i].hi &&
		    m->end > sc->t[i].lo)
			return true;
	return false;
}

/* A page not written since the scan before the stop: hand on what that
 * scan found there. */
static void kept(void *arg, uint64_t at)
{
	struct scan *sc = arg;
	size_t n;
	const struct refscan_hit *h =
	    prescan_hits(sc->pre, at, at + REFMEM_PAGE, &n);

	sc->pre->kept++;
	for (size_t i = 0; i < n; i++) {
		if (h[i].unreadable)
			unreadable(sc, h[i].at);
		else
			words(sc, &h[i].v, 1, h[i].at, 0);
	}
}

/* Whether the scan before the stop read mapping @m as it is now (so only
 * its pages written since are read again).  It read no shared mapping and
 * no possible thread stack (pre_check). */
static bool read_before(const struct scan *sc, const struct proc_map *m)
{
	long j;

	return sc->pre && sc->pre->ok && (j = prescan_same(sc->pre, m)) >= 0 &&
	       sc->pre->read[j];
}

/* Read every mapping but the dead parts. */
static int scan_maps(struct scan *sc, struct refmem *rm,
		     const struct proc_maps *maps, struct error *err)
{
	int r;

	for (size_t i = 0; i < maps->n; i++) {
		const struct proc_map *m = &maps->v[i];
		const struct dead *d = deadset_at(&sc->ds, m->start);
		uint64_t from = d && d->lo == m->start ? d->hi : m->start;

		if (skipped(sc, m))
			continue;
		r = read_before(sc, m) ? refmem_read_written(rm, m, kept, err)
				       : refmem_read(rm, m, from, m->end, err);
		if (r)
			return r;
	}
	refmem_flush(rm);
	return 0;
}

/* Read the dead parts down to the lowest word pointing into them, until
 * no lower one turns up. */
static int scan_dead(struct scan *sc, struct refmem *rm,
		     const struct proc_maps *maps, struct error *err)
{
	bool more = true;
	int r;

	while (more) {
		more = false;
		for (size_t k = 0; k < sc->ds.n; k++) {
			struct dead *d = &sc->ds.d[k];
			uint64_t from;

			if (d->low >= d->from)
				continue;
			from = d->low - d->lo > arch_red_zone
				   ? (d->low - arch_red_zone) & ~(uint64_t)7
				   : d->lo;
			if ((r = refmem_read(rm, proc_maps_find(maps, d->lo),
					     from, d->from, err)))
				return r;
			d->from = from;
			more = true;
		}
		refmem_flush(rm);
	}
	return 0;
}

/* glibc's pointer guard, the same in every thread: read through one. */
static void find_guard(struct scan *sc, struct session *s,
		       const struct rmem *mem)
{
	for (size_t i = 0; i < s->n && !sc->has_guard; i++)
		if (!s->t[i].gone && arch_regs_tp(&s->t[i].regs))
			sc->has_guard = !rmem_read(
			    mem,
			    arch_regs_tp(&s->t[i].regs) + ARCH_PTR_GUARD_OFFSET,
			    &sc->guard, sizeof(sc->guard), NULL);
}

/* The targets' ranges, into @pre: what the scan before the stop kept
 * words for. */
static void note_targets(const struct scan *sc, struct refscan_pre *pre)
{
	pre->range = xcalloc(2 * sc->n + 1, sizeof(*pre->range));
	pre->nrange = sc->n;
	for (size_t i = 0; i < sc->n; i++) {
		pre->range[2 * i] = sc->t[i].lo;
		pre->range[2 * i + 1] = sc->t[i].hi;
	}
}

/* Whether the stop looks for what the scan before it kept words for: the
 * same ranges, in the same order (a target between two others, missing
 * then, would be missed in every page not written since). */
static bool same_targets(const struct scan *sc, const struct refscan_pre *pre)
{
	if (pre->nrange != sc->n)
		return false;
	for (size_t i = 0; i < sc->n; i++)
		if (pre->range[2 * i] != sc->t[i].lo ||
		    pre->range[2 * i + 1] != sc->t[i].hi)
			return false;
	return true;
}

/*
 * Whether the scan before the stop still holds: the marks were not cleared
 * again since (its canary still reads as written), the pointer guard and
 * the targets are the ones it tested the words with, and each thread stack
 * whose dead part is left out now was a possible stack then, whose
 * pointers it kept.  Else the stop reads everything.
 */
static void pre_check(struct scan *sc, struct refmem *rm,
		      const struct proc_maps *maps)
{
	struct refscan_pre *pre = sc->pre;
	long j;

	if (!pre || !pre->ok)
		return;
	if (refmem_written(rm, pre->canary) != 1)
		prescan_refuse(pre, "the page suture wrote after clearing the "
				    "marks no longer reads as written: "
				    "another tool (CRIU?) cleared them "
				    "meanwhile");
	if (pre->tracked && !wtrack_holds(pre->wt))
		prescan_refuse(pre, "the write tracker no longer holds: %s",
			       pre->wt->why);
	if (sc->has_guard && (!pre->has_guard || pre->guard != sc->guard))
		prescan_refuse(pre, "glibc's pointer guard was not known "
				    "before the stop");
	if (!same_targets(sc, pre))
		prescan_refuse(pre, "it looked for other references");
	for (size_t k = 0; k < sc->ds.n; k++)
		if ((j = prescan_same(
			 pre, proc_maps_find(maps, sc->ds.d[k].lo))) < 0 ||
		    !pre->stack[j])
			prescan_refuse(pre,
				       "the thread stack at %#" PRIx64
				       " was not one before the stop",
				       sc->ds.d[k].lo);
}

/* The map of the stopped process, asked of @rm's descriptor of it where
 * the kernel answers PROCMAP_QUERY (no file mapping's path: none is needed
 * here, prescan_same names them by file), else read as text. */
static int stop_maps(struct refmem *rm, struct proc_maps *maps,
		     struct error *err)
{
	int r;

	if (rm->maps >= 0 &&
	    (r = proc_maps_query(rm->maps, rm->pid, maps, err)) != -ENOTTY)
		return r;
	if (rm->maps >= 0)
		close(rm->maps); /* before Linux 6.11 */
	rm->maps = -1;
	proc_maps_free(maps);
	return proc_maps_read(rm->pid, maps, err);
}

/* The scan of the stopped process, through @rm. */
static int scan_stopped(struct scan *sc, struct session *s,
			const struct rmem *mem, struct refmem *rm,
			struct error *err)
{
	struct proc_maps maps = {0};
	int r;

	/* The pages present, asked on suture's second thread if there is
	 * one, while this one reads the map (refmem_begin). */
	refmem_begin(rm);
	/* Read now: the program may have mapped memory since suture
	 * planned. */
	if ((r = stop_maps(rm, &maps, err))) {
		refmem_end(rm); /* the prefetch done, the thread at rest */
		return r;
	}
	rm->words = words;
	rm->pick = pick;
	rm->fail = unreadable;
	rm->arg = sc;
	rm->written = 0;
	deadset_threads(&sc->ds, s, &maps);
	deadset_cached(&sc->ds, s, &maps, mem);
	deadset_sort(&sc->ds);
	find_guard(sc, s, mem);
	spans(sc);
	pre_check(sc, rm, &maps);
	scan_registers(sc, s);
	if (!(r = scan_maps(sc, rm, &maps, err)))
		r = scan_dead(sc, rm, &maps, err);
	if (sc->pre)
		sc->pre->written = rm->written;
	refmem_end(rm);
	proc_maps_free(&maps);
	return r;
}

/* Forget what a scan found. */
static void reset(struct scan *sc)
{
	for (size_t i = 0; i < sc->n; i++)
		sc->t[i].count = sc->t[i].in_threads = 0,
		sc->t[i].value = sc->t[i].at = 0, sc->t[i].tid = 0,
		sc->t[i].unreadable = false;
	free(sc->ds.d);
	sc->ds = (struct deadset){0};
}

/*
 * The scan in the stop, when it took the first scan's words for pages not
 * marked: the canary must still read as written after it too.  The marks
 * can be cleared while the threads are stopped (clear_refs needs no
 * running thread), and a page written before that would have read as
 * unwritten; then everything is read again.
 */
static int scan_checked(struct scan *sc, struct session *s,
			const struct rmem *mem, struct refmem *rm,
			struct error *err)
{
	struct refscan_pre *pre = sc->pre;
	int r = scan_stopped(sc, s, mem, rm, err);

	if (r || !pre->ok || refmem_written(rm, pre->canary) == 1)
		return r;
	prescan_refuse(pre, "the marks were cleared during the "
			    "stop's scan, by another tool (CRIU?)");
	reset(sc);
	return scan_stopped(sc, s, mem, rm, err);
}

int refscan(struct session *s, const struct rmem *mem, struct refscan_target *t,
	    size_t n, struct refscan_pre *pre, struct error *err)
{
	struct scan sc = {.t = t, .n = n, .pre = pre};
	struct refmem own;
	int r;

	reset(&sc);
	/* The reader opened before the stop, if there is one: its buffers
	 * are neither made nor unmapped in the stop. */
	if (pre && pre->rm.pagemap >= 0)
		r = scan_checked(&sc, s, mem, &pre->rm, err);
	else if (!(r = refmem_open(&own, s->pid, mem, words, unreadable, &sc,
				   err))) {
		r = scan_stopped(&sc, s, mem, &own, err);
		refmem_close(&own);
	}
	free(sc.ds.d);
	return r;
}

/* The scan before the stop: note the possible thread stacks prescan_begin
 * found, then read every private mapping but those. */
static void scan_before(struct scan *sc, struct refmem *rm)
{
	struct refscan_pre *pre = sc->pre;
	const struct proc_maps *maps = &pre->maps;

	for (size_t i = 0; i < maps->n; i++)
		if (pre->stack[i])
			deadset_add(&sc->ds, &maps->v[i], maps->v[i].end,
				    false);
	deadset_sort(&sc->ds);
	sc->guard = pre->guard;
	sc->has_guard = pre->has_guard;
	spans(sc);
	note_targets(sc, pre);
	for (size_t i = 0; i < maps->n && pre->ok; i++) {
		const struct proc_map *m = &maps->v[i];

		if (pre->stack[i] || m->shared || skipped(sc, m))
			continue;
		if (refmem_read(rm, m, m->start, m->end, NULL))
			prescan_refuse(pre, "pagemap could not be read");
		pre->read[i] = pre->ok;
	}
	refmem_flush(rm);
	prescan_sort(pre);
}

void refscan_before(pid_t pid, const struct rmem *mem,
		    const struct refscan_target *t, size_t n, uint64_t canary,
		    struct refscan_pre *pre)
{
	struct scan sc = {.t = (struct refscan_target *)t,
			  .n = n,
			  .pre = pre,
			  .before = true};
	prescan_begin(pre, pid, mem, canary);
	/* opened whatever the marks, for the stop (refscan) */
	if (refmem_open(&pre->rm, pid, mem, words, unreadable, &sc, NULL)) {
		prescan_refuse(pre, "/proc/%d/pagemap could not be opened",
			       (int)pid);
		return;
	}
	pre->rm.pb.wp = pre->tracked; /* what "written" means in pagemap */
	refmem_warm(&pre->rm);
	/* A second thread for the stop's scan, primed by the session once
	 * the process is stopped (prescan_side). */
	refmem_side(&pre->rm);
	if (pre->ok && refmem_written(&pre->rm, canary) != 1)
		prescan_refuse(pre, "the byte suture rewrote after clearing "
				    "the marks does not read as written");
	if (pre->ok)
		scan_before(&sc, &pre->rm);
	pre->rm.arg = NULL;
	free(sc.ds.d);
}

char *refscan_where(pid_t pid, uint64_t at, pid_t tid, char *buf, size_t len)
{
	struct proc_maps maps = {0};
	const struct proc_map *m;
	const char *p, *name;

	if (!at) {
		snprintf(buf, len, "a register of thread %d", (int)tid);
		return buf;
	}
	snprintf(buf, len, "memory no longer mapped");
	if (proc_maps_read(pid, &maps, NULL) ||
	    !(m = proc_maps_find(&maps, at)))
		goto out;
	p = m->path;
	if (!strcmp(p, "[heap]") || !strcmp(p, "[stack]"))
		snprintf(buf, len, "%.*s", (int)strlen(p) - 2, p + 1);
	else if (!strncmp(p, "/memfd:suture:", 14))
		snprintf(buf, len, "patch %.*s", (int)strcspn(p + 14, " "),
			 p + 14);
	else if (!*p)
		snprintf(buf, len, "anonymous memory");
	else
		snprintf(buf, len, "%s",
			 (name = strrchr(p, '/')) ? name + 1 : p);
out:
	proc_maps_free(&maps);
	return buf;
}
