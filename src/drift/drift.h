/*
 * drift.h - how a running process differs from a binary (`suture drift`).
 *
 * For every function of the binary, the code the process runs for it (its
 * module's own, or a live patch's: procview.h) is compared with the
 * binary's as symbolic listings (listing.h), so two builds with other
 * layouts compare equal where the code is the same.  Functions are paired
 * by name and, for statics, source file (inventory.h).  The variables of
 * both are compared by size, and the patches, their shadow data and both
 * build-ids are reported.  The process is only read, never stopped.
 */
#ifndef SUTURE_DRIFT_DRIFT_H
#define SUTURE_DRIFT_DRIFT_H

#include "drift/inventory.h"
#include "drift/procview.h"

enum drift_kind {
	DRIFT_SAME,	    /* the same code */
	DRIFT_DIFFERS,	    /* in both, other code */
	DRIFT_ONLY_BINARY,  /* not in the process */
	DRIFT_ONLY_PROCESS, /* in the process's module, not in the binary */
	DRIFT_NKINDS,
};

struct drift_func {
	const struct inventory_item *bin, *proc; /* NULL when absent */
	enum drift_kind kind;
	struct procview_code code;  /* what the process runs, if in it */
	struct listing lbin, lproc; /* kept when the code differs */
};

/* A variable missing from one side, or of another size. */
struct drift_var {
	const struct inventory_item *bin, *proc;
};

struct drift {
	struct procview pv;
	struct target *bin; /* the binary compared with */
	bool own_file;	    /* it is the module's own mapped file */
	struct inventory bfuncs, pfuncs, bvars, pvars;
	struct drift_func *funcs; /* the binary's order, then the process's */
	size_t nfuncs;
	size_t count[DRIFT_NKINDS];
	struct drift_var *vars;
	size_t nvars, vars_alike;
	unsigned readings; /* readings it took to get two that agree */
};

/*
 * drift_compute - compare process @pid with the binary @binary, or with
 * the file its executable was mapped from if @binary is NULL.  Fails when
 * the process cannot be read, the binary cannot be loaded or shares no
 * function with the process (another program), or an apply or revert kept
 * changing the process during every reading.  Release with drift_free.
 */
int drift_compute(pid_t pid, const char *binary, struct drift *d,
		  struct error *err);
void drift_free(struct drift *d);

/* drift_differs - whether anything differs: code or variables. */
bool drift_differs(const struct drift *d);

#endif
