/*
 * apply.h - applying a patch to a running process.
 *
 * apply_patch is one transaction: when it returns 0 the patch is live in
 * every thread at once; when it fails the process runs exactly as before
 * (nothing mapped, no byte changed, registers and pending signals intact).
 * Everything slow (reading files, resolving symbols, linking, preparing the
 * unwinder) happens before the process is stopped, so the pause it sees is
 * the few system calls and memory writes of the switch itself.
 */
#ifndef SUTURE_APPLY_APPLY_H
#define SUTURE_APPLY_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "apply/record.h"
#include "patchfile/patch.h"
#include "util/error.h"

#define APPLY_DEFAULT_TIMEOUT_MS 5000
#define HOOK_DEFAULT_TIMEOUT_MS	 2000

struct apply_opts {
	unsigned timeout_ms;	  /* give up if code stays in use this long */
	bool replace;		  /* the patch replaces every patch applied to
				     its module (replace.h) */
	unsigned hook_timeout_ms; /* how long a hook may run (hooks.h) */
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

/*
 * apply_patch - make @p live in process @pid.  Fills @res on success.
 */
int apply_patch(pid_t pid, const struct patch *p, const struct apply_opts *o,
		struct apply_result *res, struct error *err);

/*
 * leftovers_remove - remove what interrupted sutures left in @pid
 * (leftover.h), in a stop of its own; *n gets how many.
 */
int leftovers_remove(pid_t pid, const struct apply_opts *o, size_t *n,
		     struct error *err);

/*
 * retain_gc - in a stop of its own, unmap the retained regions of @pid
 * (retain.h) nothing refers to any more, and remove leftovers; @res
 * counts them (released, retained, cleaned).
 */
int retain_gc(pid_t pid, const struct apply_opts *o, struct apply_result *res,
	      struct error *err);

/*
 * revert_patch - undo the patch called @name in @pid, or the most recently
 * applied one if @name is NULL.  Refused if a patch applied later replaces
 * one of the same functions (it must be reverted first).  Same
 * all-or-nothing promise as apply_patch.
 */
int revert_patch(pid_t pid, const char *name, const struct apply_opts *o,
		 struct apply_result *res, struct error *err);

#endif
