/* refmem.c - reading the pages that may hold pointers (refmem.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/refmem.h"
#include "util/xalloc.h"

#define PAGE REFMEM_PAGE
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
/* Below this many bytes queued a flush is one read on one thread: a
 * hand-off costs about as much as reading SPLIT_BYTES (round six). */
#define SPLIT_BYTES (8u * PAGE)

/* The gathered read's buffer, @bytes, and room for the index of every
 * word in it a pick may keep. */
static void set_buf(struct refmem *rm, size_t bytes)
{
	free(rm->buf);
	free(rm->picks);
	rm->buf = xmalloc(bytes);
	rm->picks = xmalloc(bytes / 8 * sizeof(*rm->picks));
	rm->room = bytes;
}

int refmem_open(struct refmem *rm, pid_t pid, const struct rmem *mem,
		refmem_words_fn *words, refmem_fail_fn *fail, void *arg,
		struct error *err)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	*rm = (struct refmem){.pid = pid,
			      .mem = mem,
			      .maps = -1,
			      .words = words,
			      .fail = fail,
			      .arg = arg};
	if ((rm->pagemap = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return error_set(err, -errno, "cannot open %s: %s", path,
				 strerror(errno));
	/* Opened with the pagemap, before the stop where there is one: the
	 * stop's map is asked of it (refscan.c).  Without it, the text. */
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	rm->maps = open(path, O_RDONLY | O_CLOEXEC);
	pagebits_init(&rm->pb, pid, rm->pagemap);
	set_buf(rm, COLD_BYTES);
	rm->iov = xmalloc(2 * IOV_MAX * sizeof(*rm->iov));
	return 0;
}

/* Whatever the second thread was given is done: pb is the caller's. */
static void settle(struct refmem *rm)
{
	if (rm->posted)
		sidejob_wait(rm->side);
	rm->posted = false;
}

void refmem_close(struct refmem *rm)
{
	settle(rm);
	sidejob_rest(rm->side);
	sidejob_park(rm->side);
	rm->side = NULL;
	if (rm->pagemap >= 0)
		close(rm->pagemap);
	if (rm->maps >= 0)
		close(rm->maps);
	pagebits_free(&rm->pb);
	free(rm->buf);
	free(rm->picks);
	free(rm->q);
	free(rm->iov);
	rm->buf = NULL;
	rm->picks = NULL;
	rm->q = NULL;
	rm->iov = NULL;
	rm->pagemap = rm->maps = -1;
}

void refmem_warm(struct refmem *rm)
{
	set_buf(rm, BUF_BYTES);
	memset(rm->buf, 0, BUF_BYTES);
	memset(rm->picks, 0, BUF_BYTES / 8 * sizeof(*rm->picks));
}


void refmem_side(struct refmem *rm)
{
	rm->side = sidejob_get();
}

void refmem_end(struct refmem *rm)
{
	settle(rm);
	sidejob_rest(rm->side);
	rm->in_stop = false;
}

void refmem_begin(struct refmem *rm)
{
	settle(rm);
	pagebits_forget(&rm->pb);
	rm->nq = rm->nruns = rm->used = 0;
	/* Only in the stop: woken while the program runs, the real-time
	 * thread would take the CPU of one of its threads. */
	rm->in_stop = rm->side != NULL;
	if (rm->in_stop) {
		sidejob_post(rm->side, pagebits_prefetch, &rm->pb);
		rm->posted = true;
	}
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

/* One process_vm_readv of the runs queued in q[i, e), each into its place
 * in buf, through @iov (IOV_MAX of them); the bytes it read, from the
 * first one's place. */
static size_t gather(struct refmem *rm, size_t i, size_t e, struct iovec *iov)
{
	struct iovec local;
	size_t n = 0, off = 0, end = e < rm->nq ? rm->q[e].off : rm->used;
	ssize_t got;

	for (; i < e; i++) {
		const struct refmem_item *q = &rm->q[i];

		if (q->kept)
			continue;
		off = n ? off : q->off;
		iov[n++] = (struct iovec){(void *)q->lo, q->hi - q->lo};
	}
	if (!n)
		return 0;
	local = (struct iovec){rm->buf + off, end - off};
	got = process_vm_readv(rm->pid, &local, 1, iov, n, 0);
	return got > 0 ? (size_t)got : 0;
}

/* The bytes of run @q the gathered read got, whole words: it read @got
 * bytes from the place *@end of the first run's end (SIZE_MAX until
 * that run sets it). */
static size_t got_of(const struct refmem_item *q, size_t *end, size_t got)
{
	size_t ok;

	*end = *end == SIZE_MAX ? q->off + got : *end;
	ok = *end > q->off ? (*end - q->off) & ~(size_t)7 : 0;
	return ok < q->hi - q->lo ? ok : q->hi - q->lo;
}

/*
 * Hand on q[i], q[i+1]... up to q[e) as far as the gathered read got
 * (@got bytes from the place of the first run among them): it read a
 * prefix of what it was asked, up to the first page it could not read.
 * The run it stopped in is finished by read_rest; the index after that
 * one is returned (@e once all are handed on).  Of the runs before
 * q[@picked], only the words the second thread picked are handed on
 * (gather_side).
 */
static size_t deliver(struct refmem *rm, size_t i, size_t e, size_t got,
		      size_t picked)
{
	size_t end = SIZE_MAX, ok;

	for (; i < e; i++) {
		const struct refmem_item *q = &rm->q[i];
		const uint64_t *w = (const uint64_t *)(rm->buf + q->off);

		if (q->kept) {
			q->kept(rm->arg, q->lo);
			continue;
		}
		ok = got_of(q, &end, got);
		if (i < picked) /* only the words the pick kept */
			for (size_t k = q->pick; k < q->npick; k++)
				rm->words(rm->arg, w + rm->picks[k], 1,
					  q->lo + 8 * rm->picks[k], 0);
		else if (ok)
			rm->words(rm->arg, w, ok / 8, q->lo, 0);
		if (q->lo + ok < q->hi) {
			read_rest(rm, q->lo + ok, q->hi, rm->buf + q->off + ok);
			return i + 1;
		}
	}
	return i;
}

/* Read and hand on q[i, e), in order, on the caller's thread. */
static void deliver_all(struct refmem *rm, size_t i, size_t e)
{
	while (i < e)
		i = deliver(rm, i, e, gather(rm, i, e, rm->iov), 0);
}

/* The second thread's part of a flush: the gathered read of q[side_from,
 * nq), through the second half of iov. */
static void gather_side(void *arg)
{
	struct refmem *rm = arg;
	size_t end = SIZE_MAX, n = 0, i;

	rm->side_got = gather(rm, rm->side_from, rm->nq, rm->iov + IOV_MAX);
	rm->picked_to = rm->side_from;
	if (!rm->pick)
		return;
	/* then what the caller would test word by word, up to the run
	 * the read stopped in (deliver's order) */
	for (i = rm->side_from; i < rm->nq; i++) {
		struct refmem_item *q = &rm->q[i];
		size_t ok;

		q->pick = q->npick = n;
		if (q->kept)
			continue;
		ok = got_of(q, &end, rm->side_got);
		n += rm->pick(rm->arg, (const uint64_t *)(rm->buf + q->off),
			      ok / 8, rm->picks + n);
		q->npick = n;
		if (q->lo + ok < q->hi) {
			i++;
			break;
		}
	}
	rm->picked_to = i;
}

/* Where to split the queue between the two threads: the first item of
 * the second half of the bytes to read; rm->nq (no split) without a
 * second thread or with too little to read for a hand-off to pay. */
static size_t split(const struct refmem *rm)
{
	size_t i = 0;

	if (!rm->in_stop || rm->used < SPLIT_BYTES)
		return rm->nq;
	while (i < rm->nq && rm->q[i].off < rm->used / 2)
		i++;
	return i;
}

/*
 * The queue in two halves when there is a second thread: it reads the
 * second half while this one reads and tests the first; then this one
 * tests the second (and finishes any run its read stopped in).  Every
 * page is read and every word handed on as by one thread, in the same
 * order.
 */
void refmem_flush(struct refmem *rm)
{
	size_t half = split(rm);

	settle(rm);
	if (half < rm->nq) {
		rm->side_from = half;
		sidejob_post(rm->side, gather_side, rm);
		rm->posted = true;
	}
	deliver_all(rm, 0, half);
	if (half < rm->nq) {
		settle(rm);
		deliver_all(rm, deliver(rm, half, rm->nq, rm->side_got,
					rm->picked_to),
			    rm->nq);
	}
	rm->nq = rm->nruns = rm->used = 0;
}

static void push(struct refmem *rm, uint64_t lo, uint64_t hi,
		 refmem_kept_fn *kept)
{
	XGROW(rm->q, rm->qcap, rm->nq);
	rm->q[rm->nq++] = (struct refmem_item){lo, hi, rm->used, kept, 0, 0};
}

/* The buffer was full: make it BIG_BYTES after GROW_FILLS times. */
static void grow(struct refmem *rm)
{
	if (rm->room >= BIG_BYTES || ++rm->fills < GROW_FILLS)
		return;
	set_buf(rm, BIG_BYTES);
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

enum take { SKIP, READ, KEPT };

/*
 * What becomes of the page with pagemap entry @e: read if it may hold a
 * pointer, unless only pages written since the marks were cleared are
 * read (rm->kept) and it was not: then handed to rm->kept.  A guard
 * region's page (MADV_GUARD_INSTALL, which glibc may use for thread
 * stacks' guards) is a marker in place of a page: nothing was or can be
 * stored there, and reading it fails, which would count as a reference to
 * everything.  Kernels 6.13 and 6.14 make guards without telling them
 * apart from swapped pages: there they still count so.
 */
static enum take take(struct refmem *rm, const struct proc_map *m, uint64_t e)
{
	if ((e & PAGEBITS_GUARD) ||
	    !(m->shared || (e & PAGEBITS_SWAPPED) ||
	      ((e & PAGEBITS_PRESENT) && !(e & PAGEBITS_FILE))))
		return SKIP;
	if (!rm->kept)
		return READ;
	if (!(e & PAGEBITS_WRITTEN))
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

	settle(rm);
	for (uint64_t p = lo & ~(uint64_t)(PAGE - 1); p < hi; p += PAGE) {
		if (!m->shared) {
			if ((r = pagebits_get(&rm->pb, p, &e, err)))
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
	return !!(pagebits_entry(&rm->pb, e) & PAGEBITS_WRITTEN);
}
