/*
 * dirty.h - the target of t-prescan: a program whose only thread is busy,
 * that notices when suture clears the soft-dirty marks of its pages and
 * then, in the window between suture's scan made while it runs and the
 * stop, writes a word that looks like a return address 3 bytes into
 * dirty_work (inside the jump an apply writes there).
 *
 *   dirty MODE LOG
 *
 * It notices the clearing by the minor fault its next write to a page it
 * wrote before costs (the kernel write-protects every page).  MODE:
 *
 *   plain  nothing more: the loop only
 *   late   on each clearing: 50 ms inside dirty_work (a stop finds it in
 *          the patched function and tries again later), the slot (heap)
 *          zeroed on entry and set just before it returns
 *   criu   as late, and then clear the marks itself, as another tool
 *          (CRIU) would: the slot's page no longer reads as written
 *   shared as late, but the slot is in a MAP_SHARED page and a child
 *          process zeroes and sets it, through its own mapping: this
 *          process's page tables never see the writes
 *   own    as late, but the slot is alone in a page that dirty_work,
 *          on entry, unmaps and maps again alike, registered with a
 *          userfaultfd of the program's own (asynchronous write
 *          protection), and on return sets and write-protects again: a
 *          page that reads as unwritten to a write tracker of suture's
 *          (Linux 6.7); once, when suture's tracker first protects a
 *          page it wrote once (pagemap bit 57)
 *   pin    plain, with 64 kB registered as io_uring fixed buffers (VmPin)
 *   top    plain, with a word dirty_work + 3 in the last 8 bytes of its
 *          [stack] mapping: the last word of the last read of the stop's
 *          scan, which gathers many runs of pages into one
 *   low    plain, with a word dirty_work + 3 in the first 8 bytes of a
 *          page mapped at 0x10000, below every other mapping: the first
 *          word of the first read of the stop's scan
 *   guarded plain, with a word dirty_work + 3 at the start of the third
 *          of four written pages whose second is PROT_NONE: the scan's
 *          gathered read stops at that page, and must go on after it
 *   guard  plain, with a guard region (MADV_GUARD_INSTALL, Linux 6.13)
 *          between two written pages: no page there, nothing to read
 *   poison plain, with a written page taken away by MADV_HWPOISON (root,
 *          CONFIG_MEMORY_FAILURE): memory no one can read
 *   revlate plain but for two clearings: at the first with a patch's
 *          memory mapped (an apply's) it notes where that is; at the
 *          next (a revert's) 50 ms inside dirty_work, the patch's code
 *          (the revert's stop waits), which sets the slot to a word
 *          pointing into the patch's memory before it returns (logged as
 *          "region word at 0xSLOT")
 *   revcriu as revlate, and then clear the marks itself, as another tool
 *          (CRIU) would: the slot's page no longer reads as written
 *
 * LOG gets "softdirty 1" if the kernel marks written pages (else 0),
 * "word 0xADDR" where top, low and guarded put theirs, "guard 1" or "poison 1"
 * if the kernel made it (0 if not), then "ready", then
 * "late N" each time the slot was set.  DIRTY_HEAP_MB=N in
 * the environment: N MiB of heap written first (a bigger process).
 */
#ifndef DIRTY_H
#define DIRTY_H

#include <stdint.h>

/* What dirty_work does besides its arithmetic. */
struct late {
	volatile uintptr_t *slot; /* set to dirty_work + 3 (or word) before
				     returning; NULL: left alone */
	uint64_t until_ns;	  /* spin until CLOCK_MONOTONIC reaches it */
	int clear;		  /* then clear the soft-dirty marks */
	void (*other)(char);	  /* instead of writing the slot: have
				     another process zero ('z') or set ('s')
				     one in shared memory */
	uintptr_t word;		  /* set the slot to this instead, if not 0 */
};

/* The function work.diff patches; @l may be NULL. */
unsigned long dirty_work(unsigned long x, const struct late *l);

uint64_t dirty_now_ns(void);

#endif
