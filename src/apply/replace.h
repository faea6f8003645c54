/*
 * replace.h - `suture apply --replace`: one patch takes the place of every
 * patch applied before it to the same module, in a single stop.
 *
 * The new patch brings a switch (record.h) for every function the old
 * patches replaced: a gate that sends calls down the old chain while the
 * new patch's commit byte is clear, and to the new function (or, for a
 * function the new patch leaves alone, to the original code) once it is
 * set.  Install writes the new patch's trampolines and switches, which
 * change nothing yet; the commit byte switches all of them, old patches
 * off and the new one on, at one instant.  Then each switched entry gets
 * its final bytes and the old regions are unmapped, in the same stop: the
 * safety check made sure no thread is in any old patch's code.  If suture
 * dies after the commit, the program already runs the new code, and the
 * next suture finishes the job (leftover.h).
 */
#ifndef SUTURE_APPLY_REPLACE_H
#define SUTURE_APPLY_REPLACE_H

#include "apply/state.h"
#include "process/rsyscall.h"
#include "process/safety.h"

/* Bytes of a function's code read to move its entry instructions. */
#define REPLACE_CODE 32

/* Where one switch comes from. */
struct replace_src {
	const char *name; /* the function, for messages */
	long func;	  /* index of the new patch's function at the same
			     entry, or -1: the new patch leaves it alone */
	unsigned char orig[REPLACE_CODE]; /* its original first bytes */
	bool gated;			  /* the oldest patch of it had a
					     gate: its entry can be moved */
};

struct replace {
	struct record *old; /* the patches replaced, oldest first: shallow
			       copies of records of the state (not owned) */
	size_t nold;
	struct replace_src *src; /* per switch of the new record */
	bool *covered;		 /* per function of the new record: its
				    entry is switched, so it gets no
				    trampoline of its own */
	size_t nwritten;	 /* switches written, for undo */
};

/*
 * replace_plan - choose the patches of @st that @rec (the new patch's
 * record, functions filled in) replaces and give @rec a switch for every
 * function they replaced.  Call before the region is laid out: the
 * switches take room in the record and two gates each.
 */
void replace_plan(struct replace *rp, const struct state *st,
		  struct record *rec);

/*
 * replace_read - read the original code of every switched function (the
 * oldest replaced patch saved its first bytes), and give the new patch's
 * own functions the original bytes as their saved bytes: reverting the new
 * patch later goes straight back to the original.  Refuses a function the
 * new patch leaves alone whose entry cannot be moved.
 */
int replace_read(struct replace *rp, struct record *rec, const struct rmem *mem,
		 struct error *err);

/*
 * replace_gates - write into @image (the region at @base) the switch gates
 * from gate slot @first on, testing the commit byte at @flag, and fill in
 * each switch's gate, before and after bytes.
 */
int replace_gates(struct replace *rp, struct record *rec, unsigned char *image,
		  uint64_t base, uint64_t gates_off, size_t first,
		  uint64_t flag, struct error *err);

/* replace_covers - whether function @i of the new record is switched. */
static inline bool replace_covers(const struct replace *rp, size_t i)
{
	return rp->covered && rp->covered[i];
}

/* replace_unchanged - with the process stopped: every switched entry of a
 * function the new patch leaves alone still holds the bytes the plan was
 * made for (-EAGAIN if not). */
int replace_unchanged(const struct replace *rp, const struct record *rec,
		      const struct rmem *mem, struct error *err);

/* replace_write - point every switched entry at its switch gate. */
int replace_write(struct replace *rp, const struct record *rec,
		  const struct rmem *mem, struct error *err);

/* replace_undo - put back the entries replace_write changed. */
void replace_undo(struct replace *rp, const struct record *rec,
		  const struct rmem *mem);

void replace_free(struct replace *rp);

#endif
