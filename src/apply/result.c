/*
 * result.c - what an apply or revert hands back (apply.h): the end of its
 * stop, the records it took out of the process's state, and their release.
 * Shared by apply.c and revert.c.
 */
#include <stdlib.h>
#include <string.h>

#include "apply/result.h"
#include "apply/state.h"
#include "process/rsyscall.h"
#include "process/session.h"
#include "util/phase.h"
#include "util/xalloc.h"

void apply_release(struct session *s, struct rsys *rs, struct apply_result *res,
		   struct error *err)
{
	phase_begin("detach");
	res->nthreads = s->n;
	/* Releasing the threads restores the injecting thread's registers;
	 * only then may the stub in the cave go. */
	session_close(s, err);
	rsyscall_finish(rs);
	res->pause_ns = s->pause_ns;
}

void apply_result_take(struct apply_result *res, struct state *st, uint64_t seq)
{
	struct record *o = state_find_seq(st, seq);

	res->replaced = xrealloc(res->replaced,
				 (res->nreplaced + 1) * sizeof(*res->replaced));
	res->replaced[res->nreplaced++] = *o;
	memset(o, 0, sizeof(*o));
}

void apply_result_free(struct apply_result *res)
{
	record_free(&res->rec);
	for (size_t i = 0; i < res->nreplaced; i++)
		record_free(&res->replaced[i]);
	free(res->replaced);
	res->replaced = NULL;
	res->nreplaced = 0;
}
