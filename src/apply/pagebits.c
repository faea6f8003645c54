/* pagebits.c - what the kernel says of each page (pagebits.h). */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "apply/pagebits.h"
#include "process/pmscan.h"
#include "util/xalloc.h"

#define PAGE	    4096u
#define BLOCK_PAGES 512u /* pagemap entries a read: 2 MiB */
#define REGIONS	    512u /* of PAGEMAP_SCAN a call */
/* The top of a 4-level address space: PAGEMAP_SCAN takes no range past
 * suture's own (access_ok), and memory above it needs a 5-level one, and
 * suture's own (LA57) to name it: read there through pagemap. */
#define SCAN_TOP 0x7ffffffff000ull

void pagebits_init(struct pagebits *pb, pid_t pid, int fd)
{
	*pb = (struct pagebits){.pid = pid, .fd = fd, .scan = true};
	pb->pm = xmalloc(BLOCK_PAGES * sizeof(*pb->pm));
	pb->reg = xmalloc(REGIONS * sizeof(*pb->reg));
}

void pagebits_free(struct pagebits *pb)
{
	free(pb->pm);
	free(pb->reg);
	pb->pm = NULL;
	pb->reg = NULL;
}

void pagebits_forget(struct pagebits *pb)
{
	pb->pm_lo = pb->pm_hi = pb->reg_lo = pb->reg_hi = 0;
}

/*
 * The pages of [@at, SCAN_TOP) present or swapped out but not file pages,
 * in runs alike in whether they are and were written since the marks were
 * cleared: one ioctl for all the mappings that follow (up to REGIONS runs);
 * -1 if the kernel has not got it.  A present file page holds what its
 * file does, which no scan reads (refmem.c's take): left out by the
 * kernel, the text of every library is no run of the answer, and one
 * call covers more mappings.
 */
static int scan_regions(struct pagebits *pb, uint64_t at)
{
	struct pm_scan_arg a = {
	    .size = sizeof(a),
	    .start = at,
	    .end = SCAN_TOP,
	    .vec = (uintptr_t)pb->reg,
	    .vec_len = REGIONS,
	    .category_inverted = PAGE_IS_FILE,
	    .category_mask = PAGE_IS_FILE,
	    .category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
	    .return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_FILE |
			   PAGE_IS_SOFT_DIRTY | PAGE_IS_WRITTEN |
			   PAGE_IS_GUARD};
	long n;

	if (at >= SCAN_TOP)
		return -1;
	if ((n = ioctl(pb->fd, PAGEMAP_SCAN, &a)) < 0 || a.walk_end <= at) {
		pb->scan = false; /* ENOTTY: before Linux 6.7 */
		return -1;
	}
	pb->nreg = (size_t)n;
	pb->cur = 0;
	pb->reg_lo = at;
	pb->reg_hi = a.walk_end;
	return 0;
}

void pagebits_prefetch(void *arg)
{
	struct pagebits *pb = arg;

	/* from 0: no page is below the first mapping, and the runs are
	 * those a first pagebits_get at any lower page would ask for */
	if (pb->scan)
		scan_regions(pb, 0);
}

/*
 * The bits of page @at in [reg_lo, reg_hi), from the runs: the same bits
 * of the same page table entry as pagemap's (fs/proc/task_mmu.c); a page
 * in none is neither present nor swapped out.  Where they may differ, the
 * scan reads more: the huge zero page is a file page to pagemap, and to
 * PAGEMAP_SCAN only if vm_normal_page_pmd names it.  A device's mapping
 * (VM_PFNMAP) is absent pages to both (pagemap walks it as a hole,
 * PAGEMAP_SCAN skips it).
 */
static uint64_t region_bits(struct pagebits *pb, uint64_t at)
{
	size_t i =
	    pb->cur < pb->nreg && at >= pb->reg[pb->cur].start ? pb->cur : 0;
	uint64_t c;

	while (i < pb->nreg && pb->reg[i].end <= at)
		i++;
	pb->cur = i;
	if (i == pb->nreg || at < pb->reg[i].start)
		return 0;
	c = pb->reg[i].categories;
	return (c & PAGE_IS_PRESENT ? PAGEBITS_PRESENT : 0) |
	       (c & PAGE_IS_SWAPPED ? PAGEBITS_SWAPPED : 0) |
	       (c & PAGE_IS_FILE ? PAGEBITS_FILE : 0) |
	       (c & (pb->wp ? PAGE_IS_WRITTEN : PAGE_IS_SOFT_DIRTY)
		    ? PAGEBITS_WRITTEN
		    : 0) |
	       (c & PAGE_IS_GUARD ? PAGEBITS_GUARD : 0);
}

#define PM_UFFD_WP (1ull << 57) /* write-protected by userfaultfd */

uint64_t pagebits_entry(const struct pagebits *pb, uint64_t e)
{
	if (!pb->wp)
		return e;
	return (e & ~PAGEBITS_WRITTEN) |
	       (e & PM_UFFD_WP ? 0 : PAGEBITS_WRITTEN);
}

/* The pagemap entry of page @at: from the entries read last if they hold
 * it, else from a new read of BLOCK_PAGES entries from @at on. */
static int pagemap_entry(struct pagebits *pb, uint64_t at, uint64_t *e,
			 struct error *err)
{
	ssize_t got;

	if (at < pb->pm_lo || at >= pb->pm_hi) {
		got = pread(pb->fd, pb->pm, BLOCK_PAGES * 8,
			    (off_t)(at / PAGE * 8));
		if (got < 8)
			return error_set(
			    err, -EIO, "cannot read /proc/%d/pagemap at %#llx",
			    (int)pb->pid, (unsigned long long)at);
		pb->pm_lo = at;
		pb->pm_hi = at + (uint64_t)(got / 8) * PAGE;
	}
	*e = pagebits_entry(pb, pb->pm[(at - pb->pm_lo) / PAGE]);
	return 0;
}

int pagebits_get(struct pagebits *pb, uint64_t at, uint64_t *e,
		 struct error *err)
{
	if ((at >= pb->reg_lo && at < pb->reg_hi) ||
	    (pb->scan && !scan_regions(pb, at))) {
		*e = region_bits(pb, at);
		return 0;
	}
	return pagemap_entry(pb, at, e, err);
}
