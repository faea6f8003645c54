/* prescan.c - what the scan before the stop keeps (prescan.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "apply/deadstack.h"
#include "apply/prescan.h"
#include "process/wtrack.h"
#include "util/xalloc.h"

#define AUX_RANDOM 25 /* AT_RANDOM: 16 random bytes on the initial stack */

void prescan_refuse(struct refscan_pre *pre, const char *fmt, ...)
{
	va_list ap;

	if (!pre->ok)
		return;
	pre->ok = false;
	va_start(ap, fmt);
	vsnprintf(pre->why, sizeof(pre->why), fmt, ap);
	va_end(ap);
}

/* Kilobytes of the process's memory pinned for the kernel to write into
 * (VmPin in /proc/PID/status), -1 if not known. */
static long pinned_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * Whether this kernel marks written pages: a page of a new mapping, just
 * written, reads as written in suture's own pagemap.  Without
 * CONFIG_MEM_SOFT_DIRTY clear_refs still takes 4, and still write-protects
 * nothing but costs the process a walk of its page tables and a flush of
 * its TLB, for nothing: so this is asked first (once).
 */
static bool kernel_marks(void)
{
	static int marks = -1;
	uint64_t e = 0;
	char *p;
	int fd;

	if (marks >= 0)
		return marks;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	*(volatile char *)p = 1;
	if ((fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)) >= 0) {
		if (pread(fd, &e, sizeof(e),
			  (off_t)((uintptr_t)p / 4096 * 8)) !=
		    (ssize_t)sizeof(e))
			e = 0;
		close(fd);
	}
	munmap(p, 4096);
	marks = (int)(e >> 55 & 1);
	return marks;
}

static int clear_marks(pid_t pid)
{
	char path[64];
	int fd, r = 0;

	snprintf(path, sizeof(path), "/proc/%d/clear_refs", (int)pid);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (write(fd, "4", 1) != 1)
		r = -errno;
	close(fd);
	return r;
}

/*
 * glibc's pointer guard, read while the program runs: glibc takes it from
 * the second 8 of the 16 random bytes the kernel gives every program
 * (AT_RANDOM).  The stop reads the real one through a thread's pointer and
 * compares: any other libc, or a program that changed them, just makes the
 * stop read everything.
 */
static void find_guard(struct refscan_pre *pre, pid_t pid,
		       const struct rmem *mem)
{
	uint64_t aux[2];
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	while (read(fd, aux, sizeof(aux)) == sizeof(aux) && aux[0])
		if (aux[0] == AUX_RANDOM)
			pre->has_guard =
			    !rmem_read(mem, aux[1] + 8, &pre->guard,
				       sizeof(pre->guard), NULL);
	close(fd);
}

bool prescan_tracker(struct wtrack *w, pid_t pid)
{
	return !kernel_marks() && wtrack_open(w, pid);
}

/* The possible thread stacks of pre->maps: the main one, and those libc
 * made.  The stop reads them whole: the tracker leaves them alone. */
static void find_stacks(struct refscan_pre *pre, const struct rmem *mem)
{
	const struct proc_maps *maps = &pre->maps;
	bool *none = xcalloc(maps->n + 1, sizeof(*none));

	for (size_t i = 0; i < maps->n; i++)
		pre->stack[i] = !strcmp(maps->v[i].path, "[stack]") ||
				deadset_libc_stack(maps, i, none, mem);
	free(none);
}

/* Without soft-dirty marks: the write tracker's protection, armed over
 * the mappings as they are now (pre->maps) but the possible stacks. */
static int clear_tracked(struct refscan_pre *pre)
{
	if (!pre->wt || pre->wt->uffd < 0) {
		prescan_refuse(pre,
			       "the kernel does not mark the pages written "
			       "(soft-dirty: a kernel built without "
			       "CONFIG_MEM_SOFT_DIRTY), and there is no "
			       "write tracker: %s",
			       pre->wt ? pre->wt->why : "not asked for");
		return -ENOTSUP;
	}
	if (wtrack_arm(pre->wt, &pre->maps, pre->stack)) {
		prescan_refuse(pre, "the write tracker failed: %s",
			       pre->wt->why);
		return -ENOTSUP;
	}
	pre->tracked = true;
	return 0;
}

/* Clear the marks and write the canary; 0, or a reason in @pre. */
static int clear(struct refscan_pre *pre, pid_t pid, const struct rmem *mem)
{
	unsigned char byte;
	long kb;
	int r;

	if ((kb = pinned_kb(pid)) < 0) {
		prescan_refuse(pre,
			       "its pinned memory (VmPin in "
			       "/proc/%d/status) could not be read",
			       (int)pid);
		return -EIO;
	}
	if (kb) {
		prescan_refuse(pre,
			       "the process has %ld kB of memory pinned for "
			       "the kernel to write into (VmPin: io_uring's "
			       "fixed buffers, RDMA), whose writes do not "
			       "mark its pages",
			       kb);
		return -EPERM;
	}
	if (!kernel_marks() && (r = clear_tracked(pre)))
		return r;
	if (!pre->tracked && (r = clear_marks(pid))) {
		prescan_refuse(pre,
			       "the soft-dirty marks could not be cleared "
			       "(/proc/%d/clear_refs): %s",
			       (int)pid, strerror(-r));
		return r;
	}
	if (rmem_read(mem, pre->canary, &byte, 1, NULL) ||
	    rmem_write(mem, pre->canary, &byte, 1, NULL)) {
		prescan_refuse(pre, "the canary could not be written");
		return -EIO;
	}
	return 0;
}

void prescan_begin(struct refscan_pre *pre, pid_t pid, const struct rmem *mem,
		   uint64_t canary)
{
	*pre = (struct refscan_pre){
	    .ok = true, .canary = canary, .wt = pre->wt, .rm = {.pagemap = -1}};
	/* Read first: the tracker registers these mappings.  One mapped
	 * after this is not in the map, and the stop reads it whole. */
	if (proc_maps_read(pid, &pre->maps, NULL)) {
		prescan_refuse(pre, "its maps could not be read");
		return;
	}
	pre->read = xcalloc(pre->maps.n + 1, sizeof(*pre->read));
	pre->stack = xcalloc(pre->maps.n + 1, sizeof(*pre->stack));
	find_stacks(pre, mem);
	if (clear(pre, pid, mem))
		return;
	find_guard(pre, pid, mem);
}

void prescan_hit(struct refscan_pre *pre, uint64_t at, uint64_t v,
		 bool unreadable)
{
	XGROW(pre->hit, pre->cap, pre->nhit);
	pre->hit[pre->nhit++] = (struct refscan_hit){at, v, unreadable};
}

static int by_at(const void *a, const void *b)
{
	const struct refscan_hit *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

void prescan_sort(struct refscan_pre *pre)
{
	qsort(pre->hit, pre->nhit, sizeof(*pre->hit), by_at);
}

/* The first hit at or above @at. */
static size_t first_at(const struct refscan_pre *pre, uint64_t at)
{
	size_t lo = 0, hi = pre->nhit;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pre->hit[mid].at < at)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct refscan_hit *prescan_hits(const struct refscan_pre *pre,
				       uint64_t lo, uint64_t hi, size_t *n)
{
	size_t a = first_at(pre, lo), b = first_at(pre, hi);

	*n = b - a;
	return pre->hit + a;
}

long prescan_same(const struct refscan_pre *pre, const struct proc_map *m)
{
	const struct proc_map *o = proc_maps_find(&pre->maps, m->start);

	if (!o || o->start != m->start || o->end != m->end ||
	    o->prot != m->prot || o->shared != m->shared || o->dev != m->dev ||
	    o->inode != m->inode || o->offset != m->offset ||
	    (!m->inode && strcmp(o->path, m->path)))
		return -1;
	return o - pre->maps.v;
}

void prescan_free(struct refscan_pre *pre)
{
	refmem_close(&pre->rm);
	proc_maps_free(&pre->maps);
	free(pre->read);
	free(pre->stack);
	free(pre->hit);
	free(pre->range);
	pre->range = NULL;
	pre->read = pre->stack = NULL;
	pre->hit = NULL;
	pre->nhit = pre->cap = 0;
}

void prescan_describe(const struct refscan_pre *pre, char *out, size_t len)
{
	if (pre->ok)
		snprintf(out, len,
			 "%zu page%s written since the scan before the stop "
			 "read again, %zu not (%s)",
			 pre->written, pre->written == 1 ? "" : "s", pre->kept,
			 pre->tracked ? "userfaultfd's write protection"
				      : "soft-dirty marks");
	else
		snprintf(out, len, "all memory read in the stop: %s", pre->why);
}

struct sidejob *prescan_side(const struct refscan_pre *pre)
{
	return pre->rm.side;
}
