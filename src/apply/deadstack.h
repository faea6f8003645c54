/*
 * deadstack.h - the dead parts of thread stacks, for the reference scan
 * (refscan.h).
 *
 * Below a thread's stack pointer and red zone, in its own stack mapping
 * (the main thread's [stack], or the mapping holding its TLS block, where
 * libc puts thread stacks), lie the frames of calls that returned: dead,
 * unless a word in memory points into them (a coroutine may have been
 * started on an array in a frame above, its own callers suspended below).
 * The stacks libc keeps of threads that exited are dead whole.  The scan
 * reads a dead part only from the lowest word pointing into it.
 */
#ifndef SUTURE_APPLY_DEADSTACK_H
#define SUTURE_APPLY_DEADSTACK_H

#include <stdbool.h>
#include <stdint.h>

#include "process/proc.h"
#include "process/rmem.h"
#include "process/session.h"

/* The dead part [lo, hi) of a thread stack mapping [lo, end); read from
 * @from up. */
struct dead {
	uint64_t lo, hi, from, end;
	uint64_t low; /* the lowest word seen pointing into [lo, from) */
	bool live;    /* a live thread's stack; else the whole mapping is
			 the stack of a thread that exited: never read */
};

struct deadset {
	struct dead *d; /* sorted by mapping (deadset_sort) */
	size_t n, cap;
	uint64_t lo, span; /* every dead part is in [lo, lo + span) */
};

/* deadset_add - the dead part of mapping @m from @hi down (@live: of a
 * live thread); deadset_sort merges those of one mapping. */
void deadset_add(struct deadset *ds, const struct proc_map *m, uint64_t hi,
		 bool live);

/* deadset_sort - sort by mapping, merge, and compute the span. */
void deadset_sort(struct deadset *ds);

/* deadset_at - the dead part whose stack mapping holds @v, or NULL. */
struct dead *deadset_at(const struct deadset *ds, uint64_t v);

/* deadset_threads - the dead part of the own stack of every thread of
 * stopped session @s. */
void deadset_threads(struct deadset *ds, const struct session *s,
		     const struct proc_maps *maps);

/* deadset_cached - the stacks libc keeps of threads that exited (of
 * session @s's process, every thread stopped), whole. */
void deadset_cached(struct deadset *ds, const struct session *s,
		    const struct proc_maps *maps, const struct rmem *mem);

/* deadset_libc_stack - whether maps->v[i] is a thread stack libc made
 * (its control block at the top), and not a mapping @used marks. */
bool deadset_libc_stack(const struct proc_maps *maps, size_t i,
			const bool *used, const struct rmem *mem);

#endif
