/*
 * result.h - what apply and revert share: their options and what they
 * hand back (struct apply_result), and the end of their stop (result.c).
 * Here rather than in apply.h so that revert.c does not depend on the
 * apply transaction, which itself calls revert.c (leftovers_remove).
 */
#ifndef SUTURE_APPLY_RESULT_H
#define SUTURE_APPLY_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "apply/record.h"
#include "process/modcache.h"
#include "util/error.h"

#define APPLY_DEFAULT_TIMEOUT_MS 5000
#define HOOK_DEFAULT_TIMEOUT_MS	 2000

struct apply_opts {
	unsigned timeout_ms;	  /* give up if code stays in use this long */
	bool replace;		  /* the patch replaces every patch applied to
				     its module (replace.h) */
	unsigned hook_timeout_ms; /* how long a hook may run (hooks.h) */
	struct modcache *cache;	  /* the open files of the command's
				     processes (modcache.h), or NULL */
};

/* What apply_patch and revert_patch did. */
struct apply_result {
	struct record rec;  /* the patch as recorded in the process; the
			       caller releases it with record_free */
	size_t nthreads;    /* threads stopped */
	uint64_t pause_ns;  /* how long they were stopped, last attempt */
	uint64_t aside_ns;  /* how long one thread was stopped alone, to map
			       the patch's memory before (apply) or unmap it
			       after (revert) */
	uint64_t track_ns;  /* how long one thread was stopped alone to
			       hand a write tracker over (revert, gc:
			       wtrack.h) */
	unsigned attempts;  /* stops until no thread was in the way */
	size_t ungated;	    /* functions switched without a gate (their
			       entry could not be moved): only they are not
			       protected against suture dying half-way */
	size_t cleaned;	    /* leftovers of an interrupted suture removed */
	size_t released;    /* regions switched off earlier (retained or
			       left over) unmapped now that nothing refers
			       to them (retain.h) */
	size_t retained;    /* such regions still kept mapped (rec's own
			       region not counted: see rec.retained) */
	char shadowed[160]; /* "f (patch 'x')": a function an earlier patch
			       replaced, which this one, not built on it,
			       replaces again (its version wins); "" if none */
	struct record *replaced; /* apply --replace: the patches replaced */
	size_t nreplaced;
	char unfinished[256]; /* why the memory of the replaced (apply
				 --replace) or reverted patches could not be
				 freed (the next suture command frees it); ""
				 if it was */
	char scan[320];	      /* how the stop's scan for saved contexts
				 (apply -v) or references (revert -v)
				 went */
};

/* apply_result_free - release the records @res holds (result.c). */
void apply_result_free(struct apply_result *res);

/* apply_result_take - move the record with sequence number @seq out of
 * @st into @res's replaced list. */
struct state;
void apply_result_take(struct apply_result *res, struct state *st,
		       uint64_t seq);

/*
 * apply_release - end the stop of an apply or revert: release every thread
 * of @s, then take back the stub of @rs, and fill @res's thread count and
 * pause.  (Shared by apply.c and revert.c.)
 */
struct session;
struct rsys;
void apply_release(struct session *s, struct rsys *rs, struct apply_result *res,
		   struct error *err);

#endif
