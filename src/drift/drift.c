/*
 * drift.c - comparing a running process with a binary (drift.h).
 *
 * The process keeps running while it is read, and an apply or revert may
 * run meanwhile.  Each one changes the records (a region appears, its
 * commit byte is set, it goes) and entry bytes, so a reading is accepted
 * only when a second reading of the state (state_recheck) and of every
 * function's code gives the same; otherwise everything is read again.
 */
#include <elf.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "drift/drift.h"
#include "util/xalloc.h"

/* Readings before giving up on a process that keeps being patched. */
#define DRIFT_READINGS 5

/* Open @binary (or take the module's own file) and the process. */
static int open_both(pid_t pid, const char *binary, struct drift *d,
		     struct error *err)
{
	char *copy;
	int r;

	if (!binary) {
		if ((r = procview_open(pid, NULL, 0, NULL, &d->pv, err)))
			return r;
		d->bin = d->pv.file;
		d->pv.hint = d->bin;
		d->own_file = true;
		return 0;
	}
	if ((r = target_open(binary, &d->bin, err)))
		return r;
	if (!d->bin->has_symtab)
		return error_set(err, -EINVAL,
				 "%s has no symbol table: its functions "
				 "cannot be named",
				 binary);
	copy = xstrdup(binary);
	r = procview_open(pid, d->bin->build_id, d->bin->build_id_len,
			  basename(copy), &d->pv, err);
	d->pv.hint = d->bin;
	free(copy);
	return r;
}

/* Pair the functions of both by key (inventory.h). */
static void pair_funcs(struct drift *d)
{
	const struct inventory *b = &d->bfuncs, *p = &d->pfuncs;

	d->funcs = xcalloc(b->n + p->n + 1, sizeof(*d->funcs));
	for (size_t i = 0; i < b->n; i++) {
		d->funcs[d->nfuncs].bin = &b->v[i];
		d->funcs[d->nfuncs++].proc = inventory_find(p, &b->v[i]);
	}
	for (size_t i = 0; i < p->n; i++)
		if (!inventory_find(b, &p->v[i]))
			d->funcs[d->nfuncs++].proc = &p->v[i];
}

static bool listings_equal(const struct listing *a, const struct listing *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->lines[i], b->lines[i]))
			return false;
	return true;
}

/* Read what the process runs for @f and compare it with the binary's. */
static int compare_func(struct drift *d, struct drift_func *f,
			struct error *err)
{
	const struct target_sym *b = f->bin ? f->bin->sym : NULL;
	int r;

	if (!f->proc || !b) {
		f->kind = f->proc ? DRIFT_ONLY_PROCESS : DRIFT_ONLY_BINARY;
		return 0;
	}
	if ((r = procview_code(&d->pv, f->proc->sym, &f->code, err)))
		return r;
	if (listing_old(d->bin, b->value, b->size, &f->lbin) ||
	    procview_listing(&d->pv, &f->code, &f->lproc) ||
	    !listings_equal(&f->lbin, &f->lproc)) {
		f->kind = DRIFT_DIFFERS;
		return 0;
	}
	f->kind = DRIFT_SAME;
	listing_free(&f->lbin);
	listing_free(&f->lproc);
	return 0;
}

static void clear_funcs(struct drift *d)
{
	for (size_t i = 0; i < d->nfuncs; i++) {
		procview_code_free(&d->funcs[i].code);
		listing_free(&d->funcs[i].lbin);
		listing_free(&d->funcs[i].lproc);
	}
	memset(d->count, 0, sizeof(d->count));
}

static int read_funcs(struct drift *d, struct error *err)
{
	int r;

	for (size_t i = 0; i < d->nfuncs; i++) {
		if ((r = compare_func(d, &d->funcs[i], err)))
			return r;
		d->count[d->funcs[i].kind]++;
	}
	return 0;
}

/* Whether a second reading of the state and the code gives the same. */
static bool reading_stable(const struct drift *d)
{
	if (state_recheck(d->pv.pid, &d->pv.mem, &d->pv.st, NULL))
		return false;
	for (size_t i = 0; i < d->nfuncs; i++)
		if (d->funcs[i].code.bytes &&
		    !procview_code_same(&d->pv, d->funcs[i].proc->sym,
					&d->funcs[i].code))
			return false;
	return true;
}

/* Read until two readings agree. */
static int read_stable(struct drift *d, struct error *err)
{
	int r;

	for (d->readings = 1; d->readings <= DRIFT_READINGS; d->readings++) {
		struct error why = {""};

		/* a region a revert unmapped meanwhile cannot be read */
		r = read_funcs(d, &why);
		if (r && !state_recheck(d->pv.pid, &d->pv.mem, &d->pv.st, NULL))
			return error_set(err, r, "%s", why.msg);
		if (!r && reading_stable(d))
			return 0;
		clear_funcs(d);
		if ((r = procview_reread(&d->pv, err)))
			return r;
	}
	return error_set(err, -EAGAIN,
			 "process %d was being patched during each of %d "
			 "readings; try again",
			 d->pv.pid, DRIFT_READINGS);
}

/* Whether both have a function of the program itself: every C program
 * has main and the C runtime's start-up code (_start, _init, ...). */
static bool common_funcs(const struct drift *d)
{
	for (size_t i = 0; i < d->nfuncs; i++) {
		const struct drift_func *f = &d->funcs[i];

		if (f->bin && f->proc && f->bin->sym->name[0] != '_' &&
		    strcmp(f->bin->sym->name, "main"))
			return true;
	}
	return false;
}

/* Variables missing from one side or of another size. */
static void compare_vars(struct drift *d)
{
	const struct inventory *b = &d->bvars, *p = &d->pvars;

	d->vars = xcalloc(b->n + p->n + 1, sizeof(*d->vars));
	for (size_t i = 0; i < b->n; i++) {
		const struct inventory_item *q = inventory_find(p, &b->v[i]);

		if (q && q->sym->size == b->v[i].sym->size)
			d->vars_alike++;
		else
			d->vars[d->nvars++] = (struct drift_var){&b->v[i], q};
	}
	for (size_t i = 0; i < p->n; i++)
		if (!inventory_find(b, &p->v[i]))
			d->vars[d->nvars++] =
			    (struct drift_var){NULL, &p->v[i]};
}

int drift_compute(pid_t pid, const char *binary, struct drift *d,
		  struct error *err)
{
	int r;

	memset(d, 0, sizeof(*d));
	d->pv.mem.fd = -1; /* drift_free closes it */
	if ((r = open_both(pid, binary, d, err)))
		return r;
	inventory_make(d->bin, STT_FUNC, &d->bfuncs);
	inventory_make(d->pv.file, STT_FUNC, &d->pfuncs);
	inventory_make(d->bin, STT_OBJECT, &d->bvars);
	inventory_make(d->pv.file, STT_OBJECT, &d->pvars);
	pair_funcs(d);
	/* before reading the process: pairing is enough to refuse */
	if (!d->own_file && !common_funcs(d))
		return error_set(err, -EINVAL,
				 "%s and %s (process %d) have no function in "
				 "common but main and the C runtime's: they "
				 "are not the same program",
				 d->bin->path, d->pv.mod->path, pid);
	if ((r = read_stable(d, err)))
		return r;
	compare_vars(d);
	return 0;
}

void drift_free(struct drift *d)
{
	clear_funcs(d);
	free(d->funcs);
	free(d->vars);
	inventory_free(&d->bfuncs);
	inventory_free(&d->pfuncs);
	inventory_free(&d->bvars);
	inventory_free(&d->pvars);
	if (!d->own_file)
		target_close(d->bin);
	procview_close(&d->pv);
	memset(d, 0, sizeof(*d));
}

bool drift_differs(const struct drift *d)
{
	return d->count[DRIFT_DIFFERS] || d->count[DRIFT_ONLY_BINARY] ||
	       d->count[DRIFT_ONLY_PROCESS] || d->nvars;
}
