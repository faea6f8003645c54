/*
 * refmem.h - reading a stopped process's memory for refscan.h: every page
 * that may hold a pointer the program made, in big blocks.
 *
 * A private mapping's pages that were never written (the file's code and
 * constants, untouched anonymous memory) cannot hold one, and
 * /proc/PID/pagemap tells them apart: only pages present as anonymous
 * memory (written, or copied on write) or swapped out are read.  Pages of
 * a shared mapping may have been written through another mapping, so all
 * of them are read.
 *
 * In the stop after a scan made while the program ran (refscan_before),
 * a private mapping that scan read is read again only where its pages
 * were written since (pagemap's soft-dirty bit, set by the kernel on every
 * write after suture cleared the marks); each page not written is handed
 * to @kept instead, whose caller knows what the first scan found there.
 */
#ifndef SUTURE_APPLY_REFMEM_H
#define SUTURE_APPLY_REFMEM_H

#include "process/proc.h"
#include "process/rmem.h"

#define REFMEM_PAGE 4096u

/* Called with @n words read at @at (@tid is 0). */
typedef void refmem_words_fn(void *arg, const uint64_t *w, size_t n,
			     uint64_t at, pid_t tid);
/* Called for a page that could not be read, at @at. */
typedef void refmem_fail_fn(void *arg, uint64_t at);
/* Called for a page [@at, @at + 4096) left unread as not written since
 * the marks were cleared (refmem_read_written). */
typedef void refmem_kept_fn(void *arg, uint64_t at);

struct refmem {
	pid_t pid;
	const struct rmem *mem;
	int pagemap; /* /proc/PID/pagemap */
	refmem_words_fn *words;
	refmem_fail_fn *fail;
	refmem_kept_fn *kept; /* set: read only the pages written since
				 the soft-dirty marks were cleared */
	void *arg;
	size_t written;	    /* pages read as written since (kept) */
	uint64_t *pm;	    /* a block of pagemap entries */
	unsigned char *buf; /* a block of memory */
};

int refmem_open(struct refmem *rm, pid_t pid, const struct rmem *mem,
		refmem_words_fn *words, refmem_fail_fn *fail, void *arg,
		struct error *err);
void refmem_close(struct refmem *rm);

/* refmem_read - hand the words of [@lo, @hi) (8-byte aligned, inside
 * mapping @m) that may hold pointers to the callback. */
int refmem_read(struct refmem *rm, const struct proc_map *m, uint64_t lo,
		uint64_t hi, struct error *err);

/* refmem_read_written - the same for the whole of private mapping @m, but
 * of its pages only those written since the soft-dirty marks were
 * cleared; @kept is called for each of the others that refmem_read would
 * have read. */
int refmem_read_written(struct refmem *rm, const struct proc_map *m,
			refmem_kept_fn *kept, struct error *err);

/* refmem_written - whether the page at @at is marked written since the
 * soft-dirty marks were cleared (0 or 1), or a negative errno. */
int refmem_written(const struct refmem *rm, uint64_t at);

#endif
