/*
 * pagebits.h - what the kernel says of each page of another process, for
 * refmem.h: present, swapped out, a file page, written since the
 * soft-dirty marks were cleared (or, with @wp, since the write tracker
 * protected it: wtrack.h), a guard region (the bits of /proc/PID/pagemap,
 * Documentation/admin-guide/mm/pagemap.rst).
 *
 * Each system call costs a few microseconds, and the scan in the stop
 * asks while every thread waits: so one PAGEMAP_SCAN ioctl (Linux 6.7)
 * names the runs of present or swapped pages of all the mappings from the
 * first page asked on; before 6.7 (ENOTTY), pagemap is read 2 MiB of
 * entries at a time from the first page asked, which covers neighbouring
 * mappings too (a hole between them reads as absent pages).  What was
 * read holds within one scan only: the program may run between two.
 */
#ifndef SUTURE_APPLY_PAGEBITS_H
#define SUTURE_APPLY_PAGEBITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

#define PAGEBITS_PRESENT (1ull << 63)
#define PAGEBITS_SWAPPED (1ull << 62)
#define PAGEBITS_FILE	 (1ull << 61) /* a file page or shared anonymous */
#define PAGEBITS_GUARD	 (1ull << 58) /* a guard region: no page at all */
/* soft-dirty: written since clear_refs 4, or since the write tracker
 * protected the page (pagebits.wp) */
#define PAGEBITS_WRITTEN (1ull << 55)

struct page_region;

struct pagebits {
	pid_t pid;
	int fd;	      /* /proc/PID/pagemap, not owned */
	uint64_t *pm; /* the pagemap entries of [pm_lo, pm_hi) */
	uint64_t pm_lo, pm_hi;
	struct page_region *reg; /* PAGEMAP_SCAN's runs in [reg_lo, reg_hi) */
	size_t nreg, cur;	 /* of them, the one looked at last */
	uint64_t reg_lo, reg_hi;
	bool scan; /* PAGEMAP_SCAN may answer (else pagemap is read) */
	bool wp;   /* written: not write-protected by the write tracker
		      (PAGE_IS_WRITTEN, pagemap bit 57 clear), not
		      soft-dirty */
};

/* pagebits_init - for process @pid, whose pagemap @fd is open. */
void pagebits_init(struct pagebits *pb, pid_t pid, int fd);
void pagebits_free(struct pagebits *pb);

/* pagebits_forget - a new scan: forget what was read. */
void pagebits_forget(struct pagebits *pb);

/* pagebits_prefetch - ask now, for a scan about to begin, what
 * pagebits_get asks first (the runs from the lowest page on): it needs no
 * map, so it may run on another thread while the map is read (refmem.c).
 * @arg: the struct pagebits, which is the caller's again after. */
void pagebits_prefetch(void *arg);

/* pagebits_entry - the PAGEBITS_* bits of pagemap entry @e as read. */
uint64_t pagebits_entry(const struct pagebits *pb, uint64_t e);

/* pagebits_get - the PAGEBITS_* bits of the page at @at into *@e: 0, or
 * a negative errno.  Cheapest for pages asked in increasing order. */
int pagebits_get(struct pagebits *pb, uint64_t at, uint64_t *e,
		 struct error *err);

#endif
