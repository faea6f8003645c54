/* state.c - rebuilding the list of applied patches from a process. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "apply/hooks.h"
#include "apply/state.h"
#include "util/xalloc.h"

#define MEMFD_PATH "/memfd:" STATE_MEMFD_PREFIX

/* Whether @m is the first mapping of one of suture's regions. */
static bool region_start(const struct proc_map *m)
{
	/* "suture:~..." are suture's own (shadow.h), not patches */
	return !strncmp(m->path, MEMFD_PATH, strlen(MEMFD_PATH)) &&
	       m->path[strlen(MEMFD_PATH)] != '~' && m->offset == 0;
}

/*
 * The end of the region starting at maps->v[i]: its parts are the
 * following mappings of the same memfd, back to back.  The same memfd is
 * the same file (device and inode), not the same name: two regions of
 * patches with one name (a patch replaced by a newer build of itself) may
 * lie back to back, and a blank one swallowing a live neighbour would be
 * unmapped with it.
 */
static uint64_t region_end(const struct proc_maps *maps, size_t i)
{
	const struct proc_map *m = &maps->v[i];
	uint64_t end = m->end;

	for (size_t k = i + 1;
	     k < maps->n && maps->v[k].start == end &&
	     maps->v[k].dev == m->dev && maps->v[k].inode == m->inode;
	     k++)
		end = maps->v[k].end;
	return end;
}

static bool blank_page(const struct rmem *mem, uint64_t at)
{
	static const unsigned char zero[4096];
	unsigned char page[4096];

	return !rmem_read(mem, at, page, sizeof(page), NULL) &&
	       !memcmp(page, zero, sizeof(page));
}

static void add_bad(struct state *st, const struct proc_maps *maps, size_t i,
		    const struct rmem *mem, const char *why)
{
	struct state_bad *b;

	XGROW(st->bad, st->badcap, st->nbad);
	b = &st->bad[st->nbad++];
	b->start = maps->v[i].start;
	b->end = region_end(maps, i);
	b->blank = blank_page(mem, b->start);
	b->why = b->blank ? xasprintf("the region at %#" PRIx64 " was mapped "
				      "by a suture that was interrupted "
				      "before it wrote anything there",
				      b->start)
			  : xasprintf("the region at %#" PRIx64
				      " named like a suture patch is not "
				      "trusted: %s",
				      b->start, why);
}

/* The note of retained region @r, if it has one. */
static void read_note(const struct rmem *mem, struct record *r)
{
	unsigned char buf[RECORD_RETAIN_SIZE];
	size_t off = record_retain_offset(r);

	if (off && !rmem_read(mem, r->base + off, buf, sizeof(buf), NULL))
		record_retain_decode(buf, &r->retain);
}

static void add_record(struct state *st, struct record *r,
		       const struct rmem *mem)
{
	r->pending_hooks = hooks_pending(mem, r);
	if (r->retained) {
		/* its hooks ran before it was kept (retain.h) */
		r->pending_hooks = -1;
		read_note(mem, r);
		XGROW(st->kept, st->keptcap, st->nkept);
		st->kept[st->nkept++] = *r;
	} else if (r->live) {
		XGROW(st->v, st->cap, st->n);
		st->v[st->n++] = *r;
	} else {
		XGROW(st->dead, st->deadcap, st->ndead);
		st->dead[st->ndead++] = *r;
	}
}

/*
 * Read the record at the start of the region at @m.  Returns 0 and fills
 * @r, or a negative errno with @why set.
 */
static int read_record(const struct rmem *mem, const struct proc_map *m,
		       struct record *r, struct error *why)
{
	size_t len = 4096, need;
	unsigned char *buf = xmalloc(len);
	int ret;

	if ((ret = rmem_read(mem, m->start, buf, len, why)))
		goto out_free;
	need = record_needed(buf, len);
	if (need > len && need <= m->end - m->start) {
		buf = xrealloc(buf, need);
		len = need;
		if ((ret = rmem_read(mem, m->start, buf, len, why)))
			goto out_free;
	}
	ret = record_decode(buf, len, m->start, r, why);
out_free:
	free(buf);
	return ret;
}

/* Check that the record agrees with the name the kernel shows. */
static bool name_matches(const struct proc_map *m, const struct record *r)
{
	const char *n = m->path + strlen(MEMFD_PATH);
	size_t len = strlen(r->name);

	return !strncmp(n, r->name, len) && (n[len] == '\0' || n[len] == ' ');
}

/* Whether live patch @r is superseded by a later replacing patch. */
static bool superseded(const struct state *st, const struct record *r)
{
	for (size_t i = 0; i < st->n; i++) {
		const struct record *p = &st->v[i];

		if (p->nswitches && p->seq > r->seq &&
		    p->build_id_len == r->build_id_len &&
		    !memcmp(p->build_id, r->build_id, r->build_id_len))
			return true;
	}
	return false;
}

/* Move the superseded live patches to st->old (decided for all first, as
 * moving changes st->v). */
static void split_old(struct state *st)
{
	bool *gone = xcalloc(st->n + 1, sizeof(*gone));
	size_t keep = 0;

	for (size_t i = 0; i < st->n; i++)
		gone[i] = superseded(st, &st->v[i]);
	for (size_t i = 0; i < st->n; i++) {
		if (gone[i]) {
			XGROW(st->old, st->oldcap, st->nold);
			st->old[st->nold++] = st->v[i];
		} else {
			st->v[keep++] = st->v[i];
		}
	}
	st->n = keep;
	free(gone);
}

static int by_seq(const void *a, const void *b)
{
	const struct record *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* qsort wants a valid pointer even for no element: an empty list may be
 * NULL. */
static void sort_by_seq(struct record *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof(*v), by_seq);
}

int state_read(const struct proc_maps *maps, const struct rmem *mem,
	       struct state *st, struct error *err)
{
	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < maps->n; i++) {
		const struct proc_map *m = &maps->v[i];
		struct error why = {""};
		struct record r;

		if (!region_start(m))
			continue;
		if (read_record(mem, m, &r, &why)) {
			add_bad(st, maps, i, mem, why.msg);
			continue;
		}
		if (!name_matches(m, &r)) {
			add_bad(st, maps, i, mem,
				"its record names a different patch");
			record_free(&r);
			continue;
		}
		add_record(st, &r, mem);
	}
	sort_by_seq(st->v, st->n);
	sort_by_seq(st->dead, st->ndead);
	sort_by_seq(st->kept, st->nkept);
	split_old(st);
	return 0;
}

static bool same_records(const struct record *a, const struct record *b,
			 size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].base != b[i].base || a[i].seq != b[i].seq)
			return false;
	return true;
}

static bool state_same(const struct state *a, const struct state *b)
{
	if (a->n != b->n || a->ndead != b->ndead || a->nold != b->nold ||
	    a->nkept != b->nkept || a->nbad != b->nbad)
		return false;
	for (size_t i = 0; i < a->nbad; i++)
		if (a->bad[i].start != b->bad[i].start)
			return false;
	return same_records(a->v, b->v, a->n) &&
	       same_records(a->dead, b->dead, a->ndead) &&
	       same_records(a->old, b->old, a->nold) &&
	       same_records(a->kept, b->kept, a->nkept);
}

int state_recheck(pid_t pid, const struct rmem *mem, const struct state *before,
		  struct error *err)
{
	struct proc_maps maps = {0};
	struct state now;
	int r;

	if ((r = proc_maps_read(pid, &maps, err)))
		return r;
	if (!(r = state_read(&maps, mem, &now, err))) {
		if (!state_same(before, &now))
			r = error_set(err, -EAGAIN,
				      "another suture changed process %d "
				      "while this one prepared",
				      pid);
		state_free(&now);
	}
	proc_maps_free(&maps);
	return r;
}

void state_free(struct state *st)
{
	for (size_t i = 0; i < st->n; i++)
		record_free(&st->v[i]);
	for (size_t i = 0; i < st->ndead; i++)
		record_free(&st->dead[i]);
	for (size_t i = 0; i < st->nold; i++)
		record_free(&st->old[i]);
	for (size_t i = 0; i < st->nkept; i++)
		record_free(&st->kept[i]);
	for (size_t i = 0; i < st->nbad; i++)
		free(st->bad[i].why);
	free(st->v);
	free(st->dead);
	free(st->old);
	free(st->kept);
	free(st->bad);
	memset(st, 0, sizeof(*st));
}

struct record *state_find(struct state *st, const char *name)
{
	for (size_t i = 0; i < st->n; i++)
		if (!strcmp(st->v[i].name, name))
			return &st->v[i];
	return NULL;
}

bool state_has_id(const struct state *st, const char *id)
{
	for (size_t i = 0; st && i < st->n; i++)
		if (!strcmp(st->v[i].id, id))
			return true;
	return false;
}

struct record *state_find_seq(struct state *st, uint64_t seq)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->v[i].seq == seq)
			return &st->v[i];
	return NULL;
}

uint64_t state_next_seq(const struct state *st)
{
	uint64_t live = st->n ? st->v[st->n - 1].seq : 0;
	uint64_t dead = st->ndead ? st->dead[st->ndead - 1].seq : 0;
	uint64_t kept = st->nkept ? st->kept[st->nkept - 1].seq : 0;
	uint64_t max = live > dead ? live : dead;

	/* superseded patches are older than the live one that superseded
	 * them, so they never hold the highest number */
	return (max > kept ? max : kept) + 1;
}

int state_hooks_settled(const struct rmem *mem, const struct state *st,
			struct error *err)
{
	const struct record *lists[2] = {st->v, st->dead};
	size_t ns[2] = {st->n, st->ndead};

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < ns[l]; i++)
			if (hooks_pending(mem, &lists[l][i]) !=
			    lists[l][i].pending_hooks)
				return error_set(
				    err, -EAGAIN,
				    "a hook call of an interrupted "
				    "suture in patch '%s' "
				    "finished meanwhile",
				    lists[l][i].name);
	return 0;
}
