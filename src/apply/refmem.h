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
 *
 * Each system call costs a few microseconds, and the scan in the stop
 * makes them while every thread waits, so a scan makes few: which pages
 * are wanted comes for many mappings at once (pagebits.h), and the runs
 * of pages to read are queued, in address order, and read by one
 * process_vm_readv for up to 128 KiB of them (refmem_flush; 16 KiB if the
 * buffer was not touched before the stop, refmem_warm; 2 MiB once a scan
 * has filled it 64 times).  That read stops at the first page it cannot
 * read; the run it stopped in is finished through /proc/PID/mem, which
 * also reads pages the program made inaccessible (a page neither reads
 * counts as unreadable, as before), and the runs after it are read again
 * together.
 */
#ifndef SUTURE_APPLY_REFMEM_H
#define SUTURE_APPLY_REFMEM_H

#include <sys/uio.h>

#include "apply/pagebits.h"
#include "process/proc.h"
#include "process/rmem.h"
#include "util/sidejob.h"

#define REFMEM_PAGE 4096u

/* Called with @n words read at @at (@tid is 0). */
typedef void refmem_words_fn(void *arg, const uint64_t *w, size_t n,
			     uint64_t at, pid_t tid);
/* The indices of the words of @w[0, @n) that @words may act on, in order,
 * into @idx; their count.  Called on suture's second thread while the
 * caller's runs @words: it may only read what @words does not write. */
typedef size_t refmem_pick_fn(void *arg, const uint64_t *w, size_t n,
			      uint32_t *idx);
/* Called for a page that could not be read, at @at. */
typedef void refmem_fail_fn(void *arg, uint64_t at);
/* Called for a page [@at, @at + 4096) left unread as not written since
 * the marks were cleared (refmem_read_written). */
typedef void refmem_kept_fn(void *arg, uint64_t at);

/* A run of pages queued for the gathered read, or a page handed to
 * @kept. */
struct refmem_item {
	uint64_t lo, hi;
	size_t off;	      /* where in buf it is read to */
	refmem_kept_fn *kept; /* set: a page not written since */
	size_t pick, npick;   /* its words picked: picks[pick, npick) */
};

struct refmem {
	pid_t pid;
	const struct rmem *mem;
	int pagemap; /* /proc/PID/pagemap */
	int maps;    /* /proc/PID/maps, for PROCMAP_QUERY; -1: its text */
	refmem_words_fn *words;
	/* Or NULL.  Where the second thread reads half of a flush, it then
	 * picks the words of that half @words would act on, and the caller
	 * hands on only those: the test of every word, made by the caller
	 * alone, was 18 µs of the lone busy thread's 100 µs stop. */
	refmem_pick_fn *pick;
	refmem_fail_fn *fail;
	refmem_kept_fn *kept; /* set: read only the pages written since
				 the soft-dirty marks were cleared */
	void *arg;
	size_t written;		/* pages read as written since (kept) */
	struct pagebits pb;	/* which pages */
	unsigned char *buf;	/* the gathered read */
	struct refmem_item *q;	/* queued, in address order */
	size_t nq, qcap, nruns; /* of q: items, room, runs to read */
	size_t used;		/* bytes of buf the runs take */
	size_t room;		/* of buf, what a gathered read may fill */
	size_t fills;		/* times a gathered read filled it */
	struct iovec *iov;	/* 2 * IOV_MAX, for the gathered reads of
				   each thread */
	struct sidejob *side;	/* made before the stop (refmem_side) */
	bool posted;		/* work given to side: pb, or the read of
				   q[side_from, nq) into buf and iov's
				   second half, side's until settled */
	size_t side_from, side_got;
	uint32_t *picks;  /* words of buf the second thread picked */
	size_t picked_to; /* q[side_from, picked_to) were picked */
	bool in_stop; /* side may be handed work: from refmem_begin to
			 refmem_end */
};

int refmem_open(struct refmem *rm, pid_t pid, const struct rmem *mem,
		refmem_words_fn *words, refmem_fail_fn *fail, void *arg,
		struct error *err);
void refmem_close(struct refmem *rm);

/* refmem_warm - touch the buffer of the gathered read now, while the
 * program runs: the stop would pay a page fault for each page of it it
 * reads into first (1.5 us each in a VM, as much as the read itself), so
 * without this a gathered read fills only its first 16 KiB. */
void refmem_warm(struct refmem *rm);

/* refmem_side - take, before the stop, the second thread refmem_begin
 * hands work to (sidejob.h), where suture may run on more than one CPU. */
void refmem_side(struct refmem *rm);

/* refmem_begin - a new scan in a stop (every thread of the program
 * stopped): forget the pagemap entries read before (the program may have
 * run since) and what is queued; then ask the kernel which pages are
 * present, on suture's second thread if refmem_side made one, while the
 * caller reads the map; until refmem_end each flush reads half of what is
 * queued on that thread (round six in DESIGN.md, "Where the switch stop's
 * scan goes"), and picks its words (@pick). */
void refmem_begin(struct refmem *rm);

/* refmem_end - the scan is over: the second thread, done with its work,
 * goes to sleep and leaves the CPU to the program it stopped. */
void refmem_end(struct refmem *rm);

/* refmem_flush - read what is queued and hand it to the callbacks, in the
 * order it was queued.  Every refmem_read is handed on by the next flush at
 * the latest. */
void refmem_flush(struct refmem *rm);

/* refmem_read - queue the words of [@lo, @hi) (8-byte aligned, inside
 * mapping @m) that may hold pointers, for refmem_flush to hand to the
 * callback (it flushes itself when the queue is full). */
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
