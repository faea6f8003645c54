/* refmem.c - reading the pages that may hold pointers (refmem.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/pmscan.h"
#include "apply/refmem.h"
#include "util/xalloc.h"

#define PAGE	    REFMEM_PAGE
#define BLOCK_PAGES 512u /* pagemap entries a read: 2 MiB */
/* Memory a gathered read: 128 KiB if touched before the stop, else 16
 * KiB (from the heap, whose pages suture has mostly touched already: a
 * fresh page faults in the stop). */
#define BUF_BYTES  (32u * PAGE)
#define COLD_BYTES (4u * PAGE)
/* After GROW_FILLS full buffers, a big scan: 2 MiB a read, whose fresh
 * pages fault once (revert's scan of 256 MiB, 16 KiB a call, took 20%
 * longer than with 2 MiB reads). */
#define BIG_BYTES  (512u * PAGE)
#define GROW_FILLS 64
#define REGIONS	   512u /* of PAGEMAP_SCAN a call */
/* The top of a 4-level address space: PAGEMAP_SCAN takes no range past
 * suture's own (access_ok), and memory above it needs a 5-level one, and
 * suture's own (LA57) to name it: read there through pagemap. */
#define SCAN_TOP 0x7ffffffff000ull

/* /proc/PID/pagemap bits (Documentation/admin-guide/mm/pagemap.rst) */
#define PM_PRESENT    (1ull << 63)
#define PM_SWAPPED    (1ull << 62)
#define PM_FILE	      (1ull << 61) /* a file page or shared anonymous */
#define PM_SOFT_DIRTY (1ull << 55) /* written since clear_refs 4 */

int refmem_open(struct refmem *rm, pid_t pid, const struct rmem *mem,
		refmem_words_fn *words, refmem_fail_fn *fail, void *arg,
		struct error *err)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	*rm = (struct refmem){
	    .pid = pid, .mem = mem, .words = words, .fail = fail, .arg = arg};
	if ((rm->pagemap = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return error_set(err, -errno, "cannot open %s: %s", path,
				 strerror(errno));
	rm->pm = xmalloc(BLOCK_PAGES * sizeof(*rm->pm));
	rm->reg = xmalloc(REGIONS * sizeof(*rm->reg));
	rm->scan = true;
	rm->buf = xmalloc(COLD_BYTES);
	rm->room = COLD_BYTES;
	rm->iov = xmalloc(IOV_MAX * sizeof(*rm->iov));
	return 0;
}

void refmem_close(struct refmem *rm)
{
	if (rm->pagemap >= 0)
		close(rm->pagemap);
	free(rm->pm);
	free(rm->reg);
	free(rm->buf);
	free(rm->q);
	free(rm->iov);
	rm->pm = NULL;
	rm->reg = NULL;
	rm->buf = NULL;
	rm->q = NULL;
	rm->iov = NULL;
	rm->pagemap = -1;
}

void refmem_warm(struct refmem *rm)
{
	free(rm->buf);
	rm->buf = xmalloc(BUF_BYTES);
	memset(rm->buf, 0, BUF_BYTES);
	rm->room = BUF_BYTES;
}

void refmem_begin(struct refmem *rm)
{
	rm->pm_lo = rm->pm_hi = rm->reg_lo = rm->reg_hi = 0;
	rm->nq = rm->nruns = rm->used = 0;
}

/* The part [lo, hi) of a run the gathered read did not reach, into @dst:
 * through /proc/PID/mem, which also reads pages the program made
 * inaccessible; if that fails too, each page counts as unreadable. */
static void read_rest(struct refmem *rm, uint64_t lo, uint64_t hi,
		      unsigned char *dst)
{
	if (!rmem_read(rm->mem, lo, dst, hi - lo, NULL)) {
		rm->words(rm->arg, (const uint64_t *)dst, (hi - lo) / 8, lo, 0);
		return;
	}
	for (uint64_t p = lo; p < hi; p += PAGE)
		rm->fail(rm->arg, p);
}

/* One process_vm_readv of the runs queued from q[i] on, each into its
 * place in buf; the bytes it read, from the first one's place. */
static size_t gather(struct refmem *rm, size_t i)
{
	struct iovec local;
	size_t n = 0, off = rm->used;
	ssize_t got;

	for (; i < rm->nq; i++) {
		const struct refmem_item *q = &rm->q[i];

		if (q->kept)
			continue;
		off = n ? off : q->off;
		rm->iov[n++] = (struct iovec){(void *)q->lo, q->hi - q->lo};
	}
	if (!n)
		return 0;
	local = (struct iovec){rm->buf + off, rm->used - off};
	got = process_vm_readv(rm->pid, &local, 1, rm->iov, n, 0);
	return got > 0 ? (size_t)got : 0;
}

/*
 * Hand on q[i], q[i+1]... as far as the gathered read got (@got bytes from
 * the place of the first run among them): it read a prefix of what it was
 * asked, up to the first page it could not read.  The run it stopped in
 * is finished by read_rest; the index after that one is returned (rm->nq
 * once all are handed on).
 */
static size_t deliver(struct refmem *rm, size_t i, size_t got)
{
	size_t end = SIZE_MAX, ok;

	for (; i < rm->nq; i++) {
		const struct refmem_item *q = &rm->q[i];

		if (q->kept) {
			q->kept(rm->arg, q->lo);
			continue;
		}
		end = end == SIZE_MAX ? q->off + got : end;
		ok = end > q->off ? (end - q->off) & ~(size_t)7 : 0;
		ok = ok < q->hi - q->lo ? ok : q->hi - q->lo;
		if (ok)
			rm->words(rm->arg, (const uint64_t *)(rm->buf + q->off),
				  ok / 8, q->lo, 0);
		if (q->lo + ok < q->hi) {
			read_rest(rm, q->lo + ok, q->hi, rm->buf + q->off + ok);
			return i + 1;
		}
	}
	return i;
}

void refmem_flush(struct refmem *rm)
{
	size_t i = 0;

	while (i < rm->nq)
		i = deliver(rm, i, gather(rm, i));
	rm->nq = rm->nruns = rm->used = 0;
}

static void push(struct refmem *rm, uint64_t lo, uint64_t hi,
		 refmem_kept_fn *kept)
{
	XGROW(rm->q, rm->qcap, rm->nq);
	rm->q[rm->nq++] = (struct refmem_item){lo, hi, rm->used, kept};
}

/* The buffer was full: make it BIG_BYTES after GROW_FILLS times. */
static void grow(struct refmem *rm)
{
	if (rm->room >= BIG_BYTES || ++rm->fills < GROW_FILLS)
		return;
	free(rm->buf);
	rm->buf = xmalloc(BIG_BYTES);
	rm->room = BIG_BYTES;
}

/* Queue run [a, b) clipped to [lo, hi), flushing first if it would not
 * fit (runs are at most rm->room long). */
static void queue_run(struct refmem *rm, uint64_t a, uint64_t b, uint64_t lo,
		      uint64_t hi)
{
	a = a > lo ? a : lo;
	b = b < hi ? b : hi;
	if (a >= b)
		return;
	if (rm->nruns == IOV_MAX || rm->used + (b - a) > rm->room) {
		refmem_flush(rm);
		grow(rm);
	}
	push(rm, a, b, NULL);
	rm->nruns++;
	rm->used += b - a;
}

/*
 * The pages of [@at, SCAN_TOP) present or swapped out, in runs alike in
 * whether they are, are file pages and were written since the marks were
 * cleared: one ioctl for all the mappings that follow (up to REGIONS runs);
 * -1 if the kernel has not got it.
 */
static int scan_regions(struct refmem *rm, uint64_t at)
{
	struct pm_scan_arg a = {
	    .size = sizeof(a),
	    .start = at,
	    .end = SCAN_TOP,
	    .vec = (uintptr_t)rm->reg,
	    .vec_len = REGIONS,
	    .category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
	    .return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_FILE |
			   PAGE_IS_SOFT_DIRTY};
	long n;

	if (at >= SCAN_TOP)
		return -1;
	if ((n = ioctl(rm->pagemap, PAGEMAP_SCAN, &a)) < 0 ||
	    a.walk_end <= at) {
		rm->scan = false; /* ENOTTY: before Linux 6.7 */
		return -1;
	}
	rm->nreg = (size_t)n;
	rm->cur = 0;
	rm->reg_lo = at;
	rm->reg_hi = a.walk_end;
	return 0;
}

/*
 * The pagemap bits of page @at in [reg_lo, reg_hi), from the runs: the
 * same bits of the same page table entry (fs/proc/task_mmu.c); a page in
 * none is neither present nor swapped out.  Where they may differ, the
 * scan reads more: the huge zero page is a file page to pagemap, and to
 * PAGEMAP_SCAN only if vm_normal_page_pmd names it.  A device's mapping
 * (VM_PFNMAP) is absent pages to both (pagemap walks it as a hole,
 * PAGEMAP_SCAN skips it); a shared one is read whole anyway.
 */
static uint64_t region_entry(struct refmem *rm, uint64_t at)
{
	size_t i =
	    rm->cur < rm->nreg && at >= rm->reg[rm->cur].start ? rm->cur : 0;
	uint64_t c;

	while (i < rm->nreg && rm->reg[i].end <= at)
		i++;
	rm->cur = i;
	if (i == rm->nreg || at < rm->reg[i].start)
		return 0;
	c = rm->reg[i].categories;
	return (c & PAGE_IS_PRESENT ? PM_PRESENT : 0) |
	       (c & PAGE_IS_SWAPPED ? PM_SWAPPED : 0) |
	       (c & PAGE_IS_FILE ? PM_FILE : 0) |
	       (c & PAGE_IS_SOFT_DIRTY ? PM_SOFT_DIRTY : 0);
}

/*
 * The pagemap entry of page @at (its bits that take() asks about): from
 * the runs PAGEMAP_SCAN found if they cover it, else from a new scan;
 * where the kernel has not got that, from the entries read last, else
 * from a new read of BLOCK_PAGES entries from @at on, which the mappings
 * that follow within 2 MiB use too.  Within one scan only: the program
 * may run between two (refmem_begin).
 */
static int entry(struct refmem *rm, uint64_t at, uint64_t *e, struct error *err)
{
	ssize_t got;

	if (at >= rm->reg_lo && at < rm->reg_hi) {
		*e = region_entry(rm, at);
		return 0;
	}
	if (rm->scan && !scan_regions(rm, at)) {
		*e = region_entry(rm, at);
		return 0;
	}
	if (at < rm->pm_lo || at >= rm->pm_hi) {
		got = pread(rm->pagemap, rm->pm, BLOCK_PAGES * 8,
			    (off_t)(at / PAGE * 8));
		if (got < 8)
			return error_set(
			    err, -EIO, "cannot read /proc/%d/pagemap at %#llx",
			    (int)rm->pid, (unsigned long long)at);
		rm->pm_lo = at;
		rm->pm_hi = at + (uint64_t)(got / 8) * PAGE;
	}
	*e = rm->pm[(at - rm->pm_lo) / PAGE];
	return 0;
}

enum take { SKIP, READ, KEPT };

/* What becomes of the page with pagemap entry @e: read if it may hold a
 * pointer, unless only pages written since the marks were cleared are
 * read (rm->kept) and it was not: then handed to rm->kept. */
static enum take take(struct refmem *rm, const struct proc_map *m, uint64_t e)
{
	if (!(m->shared || (e & PM_SWAPPED) ||
	      ((e & PM_PRESENT) && !(e & PM_FILE))))
		return SKIP;
	if (!rm->kept)
		return READ;
	if (!(e & PM_SOFT_DIRTY))
		return KEPT;
	rm->written++;
	return READ;
}

int refmem_read(struct refmem *rm, const struct proc_map *m, uint64_t lo,
		uint64_t hi, struct error *err)
{
	uint64_t a = 0, b = 0, e = 0; /* the run being built: [a, b) */
	enum take t = READ;
	int r;

	for (uint64_t p = lo & ~(uint64_t)(PAGE - 1); p < hi; p += PAGE) {
		if (!m->shared) {
			if ((r = entry(rm, p, &e, err)))
				return r;
			t = take(rm, m, e);
		}
		if (t == READ && b == p && b - a < rm->room) {
			b += PAGE;
			continue;
		}
		queue_run(rm, a, b, lo, hi);
		a = b = p;
		if (t == KEPT)
			push(rm, p, p + PAGE, rm->kept);
		b += t == READ ? PAGE : 0;
	}
	queue_run(rm, a, b, lo, hi);
	return 0;
}

int refmem_read_written(struct refmem *rm, const struct proc_map *m,
			refmem_kept_fn *kept, struct error *err)
{
	int r;

	rm->kept = kept;
	r = refmem_read(rm, m, m->start, m->end, err);
	rm->kept = NULL;
	return r;
}

int refmem_written(const struct refmem *rm, uint64_t at)
{
	uint64_t e;

	if (pread(rm->pagemap, &e, sizeof(e), (off_t)(at / PAGE * 8)) !=
	    (ssize_t)sizeof(e))
		return -EIO;
	return !!(e & PM_SOFT_DIRTY);
}
