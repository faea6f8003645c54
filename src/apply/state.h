/*
 * state.h - the patches applied to a process, rebuilt from its memory.
 *
 * Every region suture maps is a memfd named "suture:NAME", which
 * /proc/PID/maps shows as "/memfd:suture:NAME (deleted)"; its first page
 * holds a record (record.h).  Reading the state needs only permission to
 * read the process's memory: nothing is stopped.
 */
#ifndef SUTURE_APPLY_STATE_H
#define SUTURE_APPLY_STATE_H

#include "apply/record.h"
#include "process/proc.h"
#include "process/rmem.h"

/* Prefix of the memfd name of every region. */
#define STATE_MEMFD_PREFIX "suture:"

/* A region that looks like suture's but whose record is not valid. */
struct state_bad {
	uint64_t start, end; /* its consecutive mappings */
	bool blank;	     /* its first page is all zero: suture mapped it
				and was killed before writing it */
	char *why;	     /* a full sentence */
};

struct state {
	struct record *v; /* live patches, sorted by seq */
	size_t n, cap;
	struct record *dead; /* records whose commit byte is clear: left by
				an interrupted apply or revert (leftover.h) */
	size_t ndead, deadcap;
	struct record *old; /* patches a live replacing patch (record.h:
			       record_switch) superseded: every earlier
			       patch of its module.  Not yet unmapped
			       because the replace was interrupted. */
	size_t nold, oldcap;
	struct record *kept; /* regions switched off but kept mapped because
				the program may still use them (retain.h),
				with their notes */
	size_t nkept, keptcap;
	struct state_bad *bad;
	size_t nbad, badcap;
};

/*
 * state_read - find suture's regions in @maps and decode their records
 * through @mem.  Regions whose record is invalid are listed in st->bad,
 * never trusted.  Release with state_free.
 */
int state_read(const struct proc_maps *maps, const struct rmem *mem,
	       struct state *st, struct error *err);
void state_free(struct state *st);

/*
 * state_recheck - read the state of @pid again (with the process stopped)
 * and compare it with @before, read while it ran.  -EAGAIN if another
 * suture changed it in between: a plan made from @before is stale.
 */
int state_recheck(pid_t pid, const struct rmem *mem, const struct state *before,
		  struct error *err);

/* state_find - the live patch called @name, or NULL. */
struct record *state_find(struct state *st, const char *name);

/* state_has_id - whether a live patch of @st (may be NULL) was made from
 * the patch file with id @id. */
bool state_has_id(const struct state *st, const char *id);

/* state_find_seq - the live patch with sequence number @seq, or NULL. */
struct record *state_find_seq(struct state *st, uint64_t seq);

/* state_next_seq - the sequence number the next patch gets. */
uint64_t state_next_seq(const struct state *st);

/* state_hooks_settled - with the process stopped and no thread in the cave
 * of an interrupted suture: -EAGAIN if what is pending for a patch of @st
 * (hooks.h: hooks_pending) changed since @st was read. */
int state_hooks_settled(const struct rmem *mem, const struct state *st,
			struct error *err);

#endif
