/*
 * prescan.h - the part of a reference scan (refscan.h) made while the
 * program runs, so that the scan in the stop reads again only the memory
 * written since: the idea of CRIU's pre-dumps.
 *
 * First suture clears the soft-dirty marks of every page of the process
 * (4 into /proc/PID/clear_refs): the kernel write-protects the pages and
 * marks each again on its next write, whoever writes it through this
 * process's page tables (pagemap bit 55).  A kernel built without
 * CONFIG_MEM_SOFT_DIRTY has no marks: there the write tracker the mapping's
 * batch handed over (process/wtrack.h), if the caller got one, is armed
 * instead, over the mappings read first, and a page it protected reads as
 * unwritten until written.  Then suture rewrites, unchanged, one byte of
 * its own in the process (the canary, in the patch's region): that page
 * must read as written right away and again in the stop, or the marks
 * cannot be trusted (a kernel without them; another tool, CRIU, may have
 * cleared them meanwhile), and the stop scans everything, as it would
 * without this.  Then every private mapping but possible thread stacks
 * is read, and each word that may refer to a target or point into a
 * possible stack is kept with its address (struct refscan_hit), for the
 * stop to hand on for every page that was not written since.  This
 * never fails an apply: whatever goes wrong leaves @ok false and says in
 * @why that the stop reads everything.
 */
#ifndef SUTURE_APPLY_PRESCAN_H
#define SUTURE_APPLY_PRESCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apply/refmem.h"
#include "process/proc.h"
#include "process/rmem.h"

struct wtrack;

/* A word the first scan found near a target or a stack, or a page it
 * could not read (which counts as a reference to everything). */
struct refscan_hit {
	uint64_t at, v;
	bool unreadable;
};

struct refscan_pre {
	struct wtrack *wt;     /* set by the caller before refscan_before, or
				  NULL: a write tracker whose descriptor suture
				  holds (wtrack.h), armed where the kernel keeps
				  no soft-dirty marks; the caller's to close */
	bool tracked;	       /* armed: its protection stands for the marks */
	bool ok;	       /* usable by the scan in the stop */
	char why[256];	       /* if not: why the stop reads everything */
	struct proc_maps maps; /* as read after the marks were cleared */
	bool *read;	       /* maps.v[i] was read by the first scan */
	bool *stack;	       /* maps.v[i] may be a thread's own stack (the
				  main one, or one libc made): read whole in
				  the stop, never armed */
	uint64_t canary;       /* the byte suture rewrote */
	uint64_t guard;	       /* glibc's pointer guard, if known */
	bool has_guard;
	uint64_t *range; /* the targets it tested words against: lo, hi of
			    each, 2 * nrange values */
	size_t nrange;
	struct refscan_hit *hit; /* sorted by address once read */
	size_t nhit, cap;
	size_t written, kept; /* in the stop: pages read again, pages whose
				 first reading stood */
	struct refmem rm;     /* opened before the stop, for both scans;
				 pagemap -1 if not */
};

/*
 * prescan_side - the second thread of suture refscan_before made for the
 * stop's scan, or NULL: the session of the stop is to prime it (the
 * session_lock's side).
 */
struct sidejob *prescan_side(const struct refscan_pre *pre);

/*
 * prescan_tracker - open write tracker @w for process @pid where the scan
 * before the stop would arm it (a kernel without soft-dirty marks; and
 * wtrack_open's conditions): true if the caller is to have the process
 * hand its descriptor over (wtrack_plan, wtrack_fetch).  @w, made closed
 * ({.sock = -1, .uffd = -1}), is the caller's to wtrack_close either way.
 */
bool prescan_tracker(struct wtrack *w, pid_t pid);

/*
 * prescan_begin - read the maps of process @pid, clear its soft-dirty
 * marks (or, on a kernel without them, arm pre->wt over those mappings)
 * and rewrite the byte at @canary, which suture may write.  Unless the
 * process has memory the kernel writes without marking it (VmPin: pages
 * pinned for io_uring's fixed buffers, RDMA).
 */
void prescan_begin(struct refscan_pre *pre, pid_t pid, const struct rmem *mem,
		   uint64_t canary);

/* prescan_refuse - the stop is to read everything, for the reason given
 * (printf-style; the first reason stays). */
void prescan_refuse(struct refscan_pre *pre, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void prescan_hit(struct refscan_pre *pre, uint64_t at, uint64_t v,
		 bool unreadable);
/* prescan_sort - sort the hits by address, once all are in. */
void prescan_sort(struct refscan_pre *pre);

/* prescan_hits - the hits in [@lo, @hi): *n of them from the result. */
const struct refscan_hit *prescan_hits(const struct refscan_pre *pre,
				       uint64_t lo, uint64_t hi, size_t *n);

/* prescan_same - the index in pre->maps of the mapping that is @m, with
 * the same bounds, protection, file and offset; -1 if none (@m is new or
 * changed since).  A file is told by its device and inode, as well as by
 * a path or better (@m's may be "", mapquery.h); anonymous memory's name
 * ([heap], [stack], [anon:NAME]) must be the same. */
long prescan_same(const struct refscan_pre *pre, const struct proc_map *m);

void prescan_free(struct refscan_pre *pre);

/* prescan_describe - how the stop's scan went, for apply -v: the pages read
 * again and not, or why it read all memory; into @out (@len bytes). */
void prescan_describe(const struct refscan_pre *pre, char *out, size_t len);

#endif
