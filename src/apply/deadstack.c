/* deadstack.c - the dead parts of thread stacks (deadstack.h). */
#include <stdlib.h>
#include <string.h>

#include "apply/deadstack.h"
#include "util/xalloc.h"

/* ds->d is sorted by mapping and the mappings are disjoint, so at most one
 * holds @v: a binary search, as every word that looks like a stack address
 * is looked up and a process of a thousand threads has a thousand stacks. */
struct dead *deadset_at(const struct deadset *ds, uint64_t v)
{
	size_t lo = 0, hi = ds->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v < ds->d[mid].lo)
			hi = mid;
		else if (v >= ds->d[mid].end)
			lo = mid + 1;
		else
			return &ds->d[mid];
	}
	return NULL;
}

/* Whether @m is the stack mapping of thread @t. */
static bool own_stack(const struct proc_map *m, const struct session_thread *t)
{
	uint64_t tp = arch_regs_tp(&t->regs);

	return !strcmp(m->path, "[stack]") || (tp >= m->start && tp < m->end);
}

void deadset_add(struct deadset *ds, const struct proc_map *m, uint64_t hi,
		 bool live)
{
	XGROW(ds->d, ds->cap, ds->n);
	ds->d[ds->n++] =
	    (struct dead){m->start, hi, hi, m->end, UINT64_MAX, live};
}

static int by_start(const void *a, const void *b)
{
	const struct dead *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The span of all dead parts, for the scan's first test of a word. */
static void span(struct deadset *ds)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	for (size_t i = 0; i < ds->n; i++) {
		lo = ds->d[i].lo < lo ? ds->d[i].lo : lo;
		hi = ds->d[i].hi > hi ? ds->d[i].hi : hi;
	}
	ds->lo = lo;
	ds->span = hi > lo ? hi - lo : 0;
}

/* Threads whose stack pointers are in one mapping leave it dead below the
 * lowest of them. */
void deadset_sort(struct deadset *ds)
{
	size_t k = 0;

	qsort(ds->d, ds->n, sizeof(*ds->d), by_start);
	for (size_t i = 0; i < ds->n; i++) {
		if (k && ds->d[k - 1].lo == ds->d[i].lo) {
			struct dead *d = &ds->d[k - 1];

			d->hi = d->from =
			    d->hi < ds->d[i].hi ? d->hi : ds->d[i].hi;
			continue;
		}
		ds->d[k++] = ds->d[i];
	}
	ds->n = k;
	span(ds);
}

/*
 * The thread control block glibc keeps at the top of a thread's stack
 * mapping, found by its first words (tcbhead_t: tcb and self point at
 * the block itself), in the last @len bytes of @m read into @top; 0 if
 * none.
 */
static uint64_t find_tcb(const struct proc_map *m, const uint64_t *top,
			 size_t len)
{
	uint64_t at = m->end - len;

	for (size_t i = len / 8; i-- > 2;) {
		uint64_t x = at + 8 * (i - 2);

		if (!(x % 64) && top[i - 2] == x && top[i] == x)
			return x;
	}
	return 0;
}

/* Mark in @used the mappings that hold a live thread's stack pointer or
 * the block of its thread pointer. */
static void mark_threads(const struct session *s, const struct proc_maps *maps,
			 bool *used)
{
	for (size_t k = 0; k < s->n; k++) {
		const struct proc_map *sp, *tp;

		if (s->t[k].gone)
			continue;
		if ((sp = proc_maps_find(maps, arch_regs_sp(&s->t[k].regs))))
			used[sp - maps->v] = true;
		if ((tp = proc_maps_find(maps, arch_regs_tp(&s->t[k].regs))))
			used[tp - maps->v] = true;
	}
}

/* Whether @m is anonymous memory an exited thread's stack may be in: not
 * a module's .bss (right behind its file), not a live thread's stack nor
 * the block of its thread pointer (@used: the main thread's thread-local
 * variables lie below it, reached through the register only). */
static bool stack_like(const struct proc_maps *maps, size_t i, const bool *used)
{
	const struct proc_map *m = &maps->v[i];

	return !m->shared && !m->inode && !*m->path &&
	       m->end - m->start >= 16384 &&
	       !(i && maps->v[i - 1].end == m->start && maps->v[i - 1].inode) &&
	       !used[i];
}

bool deadset_libc_stack(const struct proc_maps *maps, size_t i,
			const bool *used, const struct rmem *mem)
{
	static uint64_t top[8192 / 8];
	const struct proc_map *m = &maps->v[i];

	return stack_like(maps, i, used) &&
	       !rmem_read(mem, m->end - sizeof(top), top, sizeof(top), NULL) &&
	       find_tcb(m, top, sizeof(top));
}

/*
 * The stacks of threads that exited, which libc keeps for the next
 * thread: a mapping with a thread control block that no live thread's
 * thread pointer names.  All of it is dead (the thread's frames, its
 * thread-local variables, its descriptor, whose start argument may still
 * point at another thread's dead frames); only libc's list of cached
 * stacks points into it.  Read, its return addresses of calls into patch
 * code kept a region for as long as the stack stayed cached (a thread per
 * connection: t-failures, t-hooks).  A thread being created is found in
 * its parent's frames, which hold its start routine and argument.
 */
void deadset_cached(struct deadset *ds, const struct session *s,
		    const struct proc_maps *maps, const struct rmem *mem)
{
	bool *used = xcalloc(maps->n + 1, sizeof(*used));

	mark_threads(s, maps, used);
	for (size_t i = 0; i < maps->n; i++)
		if (deadset_libc_stack(maps, i, used, mem))
			deadset_add(ds, &maps->v[i], maps->v[i].end, false);
	free(used);
}

void deadset_threads(struct deadset *ds, const struct session *s,
		     const struct proc_maps *maps)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct session_thread *t = &s->t[i];
		uint64_t sp = arch_regs_sp(&t->regs);
		const struct proc_map *m;

		if (t->gone || !(m = proc_maps_find(maps, sp)) ||
		    !own_stack(m, t) || sp - m->start <= arch_red_zone)
			continue;
		deadset_add(ds, m, (sp - arch_red_zone) & ~(uint64_t)7, true);
	}
}
