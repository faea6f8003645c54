/*
 * pmscan.h - the PAGEMAP_SCAN ioctl of /proc/PID/pagemap (Linux 6.7,
 * Documentation/admin-guide/mm/pagemap.rst), for the scan's pagebits.c and
 * the write tracker (wtrack.c): its values as
 * the kernel's uapi <linux/fs.h> defines them, for C libraries whose
 * headers predate it.  A kernel without it answers ENOTTY.
 */
#ifndef SUTURE_PROCESS_PMSCAN_H
#define SUTURE_PROCESS_PMSCAN_H

#include <linux/fs.h>
#include <linux/types.h>
#include <sys/ioctl.h>

#ifndef PAGEMAP_SCAN
#define PAGE_IS_WPALLOWED  (1 << 0)
#define PAGE_IS_WRITTEN	   (1 << 1) /* not write-protected by userfaultfd */
#define PAGE_IS_FILE	   (1 << 2)
#define PAGE_IS_PRESENT	   (1 << 3)
#define PAGE_IS_SWAPPED	   (1 << 4)
#define PAGE_IS_SOFT_DIRTY (1 << 7)

/* The pages of [start, end) alike in the categories asked for. */
struct page_region {
	__u64 start, end, categories;
};

struct pm_scan_arg {
	__u64 size, flags, start, end;
	__u64 walk_end; /* out: how far the scan got */
	__u64 vec, vec_len, max_pages;
	__u64 category_inverted, category_mask, category_anyof_mask;
	__u64 return_mask;
};

#define PM_SCAN_WP_MATCHING (1 << 0) /* write-protect the pages matched */
#define PAGEMAP_SCAN	    _IOWR('f', 16, struct pm_scan_arg)
#endif

/* Linux 6.15: a guard region's page (MADV_GUARD_INSTALL); the headers of
 * 6.7 to 6.14 have PAGEMAP_SCAN without it. */
#ifndef PAGE_IS_GUARD
#define PAGE_IS_GUARD (1 << 8)
#endif

#endif
