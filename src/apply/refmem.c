/* refmem.c - reading the pages that may hold pointers (refmem.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "apply/refmem.h"
#include "util/xalloc.h"

#define PAGE	    REFMEM_PAGE
#define BLOCK_PAGES 512u /* 2 MiB a read */

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
	*rm = (struct refmem){pid,  mem, -1, words, fail,
			      NULL, arg, 0,  NULL,  NULL};
	if ((rm->pagemap = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return error_set(err, -errno, "cannot open %s: %s", path,
				 strerror(errno));
	rm->pm = xmalloc(BLOCK_PAGES * sizeof(*rm->pm));
	rm->buf = xmalloc((size_t)BLOCK_PAGES * PAGE);
	return 0;
}

void refmem_close(struct refmem *rm)
{
	if (rm->pagemap >= 0)
		close(rm->pagemap);
	free(rm->pm);
	free(rm->buf);
	rm->pm = NULL;
	rm->buf = NULL;
	rm->pagemap = -1;
}

/* Read [lo, hi) in one go if possible (process_vm_readv), else through
 * /proc/PID/mem, which also reads pages the program made inaccessible. */
static void read_run(struct refmem *rm, uint64_t lo, uint64_t hi)
{
	size_t len = hi - lo;
	struct iovec local = {rm->buf, len};
	struct iovec remote = {(void *)lo, len};

	if (process_vm_readv(rm->pid, &local, 1, &remote, 1, 0) ==
		(ssize_t)len ||
	    !rmem_read(rm->mem, lo, rm->buf, len, NULL)) {
		rm->words(rm->arg, (const uint64_t *)rm->buf, len / 8, lo, 0);
		return;
	}
	for (uint64_t p = lo; p < hi; p += PAGE)
		rm->fail(rm->arg, p);
}

/* Whether the page with pagemap entry @e may hold a pointer. */
static bool wanted(const struct proc_map *m, uint64_t e)
{
	return m->shared || (e & PM_SWAPPED) ||
	       ((e & PM_PRESENT) && !(e & PM_FILE));
}

/* Whether the page is to be read now: wanted, and when only written ones
 * are (rm->kept), written since the marks were cleared; a wanted page
 * left unread goes to rm->kept. */
static bool take(struct refmem *rm, const struct proc_map *m, uint64_t e,
		 uint64_t at)
{
	if (!wanted(m, e))
		return false;
	if (!rm->kept)
		return true;
	if (e & PM_SOFT_DIRTY) {
		rm->written++;
		return true;
	}
	rm->kept(rm->arg, at);
	return false;
}

/* The pages of one block, @npages from @first, clipped to [lo, hi). */
static int read_block(struct refmem *rm, const struct proc_map *m,
		      uint64_t first, size_t npages, uint64_t lo, uint64_t hi,
		      struct error *err)
{
	size_t i = 0, j;
	uint64_t a, b;

	if (!m->shared &&
	    pread(rm->pagemap, rm->pm, npages * 8, (off_t)(first / PAGE * 8)) !=
		(ssize_t)(npages * 8))
		return error_set(err, -EIO,
				 "cannot read /proc/%d/pagemap at %#llx",
				 (int)rm->pid, (unsigned long long)first);
	while (i < npages) {
		if (!m->shared && !take(rm, m, rm->pm[i], first + i * PAGE)) {
			i++;
			continue;
		}
		for (j = i + 1;
		     j < npages &&
		     (m->shared || take(rm, m, rm->pm[j], first + j * PAGE));
		     j++)
			;
		a = first + i * PAGE > lo ? first + i * PAGE : lo;
		b = first + j * PAGE < hi ? first + j * PAGE : hi;
		if (a < b)
			read_run(rm, a, b);
		i = j;
	}
	return 0;
}

int refmem_read(struct refmem *rm, const struct proc_map *m, uint64_t lo,
		uint64_t hi, struct error *err)
{
	int r;

	for (uint64_t p = lo & ~(uint64_t)(PAGE - 1); p < hi;
	     p += (uint64_t)BLOCK_PAGES * PAGE) {
		uint64_t end = p + (uint64_t)BLOCK_PAGES * PAGE;
		size_t npages;

		end = end < hi ? end : hi;
		npages = (end - p + PAGE - 1) / PAGE;
		if ((r = read_block(rm, m, p, npages, lo, hi, err)))
			return r;
	}
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
