/* region.c - mapping and unmapping a patch's region in the target. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "apply/region.h"
#include "apply/state.h"
#include "process/rbatch.h"
#include "process/rsyscall.h"
#include "process/wtrack.h"

#define REGION_NAME 128 /* the longest memfd name, with its NUL */
#define REGION_DATA (REGION_NAME + WTRACK_DATA)

/* Run one system call; a failure inside the target becomes *ret < 0. */
static int call(struct session *s, struct rsys *rs, long nr, uint64_t a0,
		uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
		long *ret, struct error *err)
{
	const uint64_t args[6] = {a0, a1, a2, a3, a4, a5};

	return rsyscall(s, rs, nr, args, ret, err);
}

/* The result of a failed call, as an error naming what it was for. */
static int failed(struct session *s, const struct rbatch_call *c,
		  const char *what, struct error *err)
{
	return error_set(err, (int)c->ret, "%s in process %d: %s", what, s->pid,
			 strerror((int)-c->ret));
}

/* Whether mmap call @c mapped, but not where asked: a kernel without
 * MAP_FIXED_NOREPLACE took the address as a hint.  (Every call of the
 * batch returns a number >= 0 on success: a descriptor, 0, an address of
 * user space; an error or RBATCH_NOT_RUN is negative.) */
static bool stray(const struct rbatch_call *c)
{
	return c->ret >= 0 && (uint64_t)c->ret != c->args[0];
}

/* What the batch did to a part's mmap @c: 0 mapped where asked, -EEXIST
 * if the range was taken (or mapped elsewhere), else an error. */
static int part_result(struct session *s, const struct rbatch_call *c,
		       struct error *err)
{
	char what[96];

	if (c->ret == -EEXIST || stray(c))
		return -EEXIST;
	if (c->ret >= 0)
		return 0;
	snprintf(what, sizeof(what),
		 "cannot map %" PRIu64 " bytes at %#" PRIx64, c->args[1],
		 c->args[0]);
	return failed(s, c, what, err);
}

/* The calls of the mapping itself: one per part and three. */
static size_t map_calls(const struct record_part parts[RECORD_NPARTS])
{
	size_t n = 3;

	for (int p = 0; p < RECORD_NPARTS; p++)
		n += parts[p].size != 0;
	return n;
}

/*
 * The mapping's calls, the first of a batch of @n with @len bytes of data
 * that begin with the name: memfd_create, ftruncate, one mmap per part,
 * close.  The mappings hold the memfd, so the descriptor is closed at
 * once.  @k[i] is the part of call i (or -1).
 */
static void plan_calls(struct session *s, size_t n, size_t len, uint64_t base,
		       const struct record_part parts[RECORD_NPARTS],
		       struct rbatch_call *c, int *k)
{
	size_t i = 0;
	uint64_t size = 0;

	for (int p = 0; p < RECORD_NPARTS; p++)
		if (parts[p].offset + parts[p].size > size)
			size = parts[p].offset + parts[p].size;
	memset(c, 0, n * sizeof(*c));
	c[i] = (struct rbatch_call){
	    .nr = SYS_memfd_create,
	    .args = {rbatch_data_at(s, n, len), MFD_CLOEXEC},
	    .flags = ARCH_BATCH_KEEP};
	k[i++] = -1;
	c[i] = (struct rbatch_call){
	    .nr = SYS_ftruncate, .args = {0, size}, .flags = ARCH_BATCH_FD0};
	k[i++] = -1;
	for (int p = 0; p < RECORD_NPARTS; p++) {
		if (!parts[p].size)
			continue;
		c[i] = (struct rbatch_call){
		    .nr = SYS_mmap,
		    .args = {base + parts[p].offset, parts[p].size,
			     (uint64_t)parts[p].prot,
			     MAP_PRIVATE | MAP_FIXED_NOREPLACE, 0,
			     parts[p].offset},
		    .flags = ARCH_BATCH_FD4 | ARCH_BATCH_AT};
		k[i++] = p;
	}
	c[i] = (struct rbatch_call){.nr = SYS_close, .flags = ARCH_BATCH_FD0};
	k[i++] = -1;
}

/* The parts the batch mapped where asked, whatever else happened. */
static unsigned mapped_parts(const struct rbatch_call *c, size_t n,
			     const int *k)
{
	unsigned mapped = 0;

	for (size_t i = 0; i < n; i++)
		if (k[i] >= 0 && (uint64_t)c[i].ret == c[i].args[0])
			mapped |= 1u << k[i];
	return mapped;
}

/* Check the batch's results in order: the first failure. */
static int results(struct session *s, const struct rbatch_call *c, size_t n,
		   struct error *err)
{
	int r = 0;

	if (c[0].ret < 0)
		return failed(s, &c[0], "memfd_create failed", err);
	if (c[1].ret < 0)
		return failed(s, &c[1], "cannot size the patch's memory", err);
	for (size_t i = 2; !r && i + 1 < n; i++)
		r = part_result(s, &c[i], err);
	return r;
}

/*
 * Unmap the parts of @mapped, each run of adjacent ones with one munmap
 * (region_unmap_parts).  They are the first parts, in order, but on a
 * kernel that takes MAP_FIXED_NOREPLACE as a hint: there the batch goes on
 * after a part mapped elsewhere, whose range (someone else's memory) then
 * lies between two runs.
 */
static void unmap_runs(struct session *s, struct rsys *rs, uint64_t base,
		       const struct record_part parts[RECORD_NPARTS],
		       unsigned mapped)
{
	unsigned run = 0;

	for (int k = 0; k <= RECORD_NPARTS; k++) {
		if (k < RECORD_NPARTS && !parts[k].size)
			continue;
		if (k < RECORD_NPARTS && (mapped & (1u << k))) {
			run |= 1u << k;
			continue;
		}
		if (run)
			region_unmap_parts(s, rs, base, parts, run, NULL);
		run = 0;
	}
}

/* The data of the batch: the memfd's name, then (8-aligned) what the
 * write tracker's calls send; its length. */
static size_t plan_data(unsigned char *data, const char *name, bool track)
{
	size_t len;

	memset(data, 0, REGION_DATA);
	snprintf((char *)data, REGION_NAME, STATE_MEMFD_PREFIX "%s", name);
	len = strlen((char *)data) + 1; /* a long name cut as before */
	return track ? (len + 7) / 8 * 8 + WTRACK_DATA : len;
}

int region_map(struct session *s, struct rsys *rs, const char *name,
	       uint64_t base, const struct record_part parts[RECORD_NPARTS],
	       bool last, struct wtrack *wt, unsigned *mapped,
	       struct error *err)
{
	struct rbatch_call c[RECORD_NPARTS + 3 + WTRACK_CALLS];
	int k[RECORD_NPARTS + 3];
	unsigned char data[REGION_DATA];
	bool track = wt && wt->sock >= 0;
	size_t m = map_calls(parts), len = plan_data(data, name, track);
	size_t n = m + (track ? WTRACK_CALLS : 0); /* the tracker's last */
	long ret;
	int r;

	plan_calls(s, n, len, base, parts, c, k);
	if (track)
		wtrack_plan(wt, s, c + m, n, m, len, len - WTRACK_DATA,
			    data + len - WTRACK_DATA);
	r = rbatch_run(s, rs, c, n, data, len, last, err);
	*mapped = mapped_parts(c, m, k);
	if (track)
		wtrack_take(wt, c + m);
	if (!r && !(r = results(s, c, m, err)))
		return 0;
	for (size_t i = 2; i + 1 < m; i++)
		if (stray(&c[i]))
			call(s, rs, SYS_munmap, (uint64_t)c[i].ret,
			     c[i].args[1], 0, 0, 0, 0, &ret, NULL);
	unmap_runs(s, rs, base, parts, *mapped);
	*mapped = 0;
	/* a failure stopped the batch before its close */
	if (c[0].ret >= 0 && c[m - 1].ret == RBATCH_NOT_RUN)
		call(s, rs, SYS_close, (uint64_t)c[0].ret, 0, 0, 0, 0, 0, &ret,
		     NULL);
	return r;
}

/*
 * The parts of a region are adjacent and mapped in order, so the parts in
 * @mapped cover one range, which goes in one munmap: a system call happens
 * whole or not at all, so suture dying here never leaves a region cut in
 * two (a code part without its record would be a leak nobody could find).
 */
int region_unmap_parts(struct session *s, struct rsys *rs, uint64_t base,
		       const struct record_part parts[RECORD_NPARTS],
		       unsigned mapped, struct error *err)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	struct rbatch_call c = {.nr = SYS_munmap};
	long ret;
	int r;

	for (int k = 0; k < RECORD_NPARTS; k++) {
		if (!(mapped & (1u << k)))
			continue;
		if (base + parts[k].offset < lo)
			lo = base + parts[k].offset;
		if (base + parts[k].offset + parts[k].size > hi)
			hi = base + parts[k].offset + parts[k].size;
	}
	if (lo >= hi)
		return 0;
	c.args[0] = lo;
	c.args[1] = hi - lo;
	if ((r = rbatch_run(s, rs, &c, 1, NULL, 0, false, err)))
		return r;
	if ((ret = c.ret) < 0)
		return error_set(err, (int)ret,
				 "cannot unmap %#" PRIx64 " in process %d: %s",
				 lo, s->pid, strerror((int)-ret));
	return 0;
}
