/* replace.c - planning and installing the switches of a replace (replace.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "apply/replace.h"
#include "util/fault.h"
#include "util/xalloc.h"

static bool same_module(const struct record *a, const struct record *b)
{
	return a->build_id_len == b->build_id_len &&
	       !memcmp(a->build_id, b->build_id, a->build_id_len);
}

/* The index of @rec's function at @entry with a trampoline, or -1. */
static long func_at(const struct record *rec, uint64_t entry)
{
	for (size_t i = 0; i < rec->nfuncs; i++)
		if (rec->funcs[i].entry == entry &&
		    !(rec->funcs[i].flags & PFUNC_PART))
			return (long)i;
	return -1;
}

/* The switch of @rec at @entry, or NULL. */
static struct record_switch *switch_at(struct record *rec, uint64_t entry)
{
	for (size_t i = 0; i < rec->nswitches; i++)
		if (rec->switches[i].entry == entry)
			return &rec->switches[i];
	return NULL;
}

/* Add a switch for @f, an entry of an old patch, unless there is one: the
 * oldest patch of an entry comes first and saved its original bytes. */
static void add_switch(struct replace *rp, struct record *rec,
		       const struct record_func *f)
{
	struct replace_src *src;
	size_t k = rec->nswitches;

	if (switch_at(rec, f->entry))
		return;
	rec->switches =
	    xrealloc(rec->switches, (k + 1) * sizeof(*rec->switches));
	rp->src = xrealloc(rp->src, (k + 1) * sizeof(*rp->src));
	memset(&rec->switches[k], 0, sizeof(rec->switches[k]));
	rec->switches[k].entry = f->entry;
	rec->switches[k].len = f->saved_len;
	src = &rp->src[k];
	memset(src, 0, sizeof(*src));
	src->name = f->name;
	src->func = func_at(rec, f->entry);
	src->gated = f->gate != 0;
	memcpy(src->orig, f->saved, f->saved_len);
	if (src->func >= 0)
		rp->covered[src->func] = true;
	rec->nswitches++;
}

void replace_plan(struct replace *rp, const struct state *st,
		  struct record *rec)
{
	memset(rp, 0, sizeof(*rp));
	rp->covered = xcalloc(rec->nfuncs + 1, sizeof(*rp->covered));
	rp->old = xcalloc(st->n + 1, sizeof(*rp->old));
	for (size_t i = 0; i < st->n; i++) {
		const struct record *o = &st->v[i];

		if (!same_module(o, rec))
			continue;
		rp->old[rp->nold++] = *o;
		for (size_t j = 0; j < o->nfuncs; j++)
			if (!(o->funcs[j].flags & PFUNC_PART))
				add_switch(rp, rec, &o->funcs[j]);
	}
}

int replace_read(struct replace *rp, struct record *rec, const struct rmem *mem,
		 struct error *err)
{
	for (size_t k = 0; k < rec->nswitches; k++) {
		struct record_switch *w = &rec->switches[k];
		struct replace_src *src = &rp->src[k];
		unsigned char code[REPLACE_CODE];
		int r;

		if (src->func < 0 && !src->gated)
			return error_set(
			    err, -ENOTSUP,
			    "function %s, which an applied patch "
			    "replaces and the new one does not, "
			    "branches into its own first "
			    "instructions: it cannot be switched "
			    "back in one step; revert the old "
			    "patches and apply the new one instead",
			    src->name);
		if ((r = rmem_read(mem, w->entry, code, sizeof(code), err)))
			return r;
		memcpy(w->before, code, w->len);
		/* the original code: saved first bytes, then what follows */
		memcpy(src->orig + w->len, code + w->len,
		       sizeof(code) - w->len);
		if (src->func >= 0)
			memcpy(rec->funcs[src->func].saved, src->orig, w->len);
	}
	return 0;
}

/*
 * Fill one switch: its gate at @at runs the old chain (the jump @before)
 * while the commit byte is clear, and otherwise goes to the new function,
 * or to @thunk: the original entry instructions, moved.
 */
static int switch_gate(struct record_switch *w, const struct replace_src *src,
		       const struct record *rec, unsigned char *image,
		       uint64_t base, uint64_t at, uint64_t thunk,
		       uint64_t flag, struct error *err)
{
	uint64_t to = thunk;
	size_t len;
	int r;

	if (src->func >= 0) {
		const struct record_func *f = &rec->funcs[src->func];

		/* afterwards the entry is what a plain apply would write */
		to = f->new_addr;
		if (arch_trampoline_write(w->after, w->entry,
					  record_func_jump(f)) < 0)
			return error_set(err, -ERANGE,
					 "function %s cannot jump to %#" PRIx64,
					 src->name, record_func_jump(f));
	} else {
		memcpy(w->after, src->orig, w->len);
		if ((r = arch_entry_move(image + (thunk - base), &len, thunk,
					 src->orig, sizeof(src->orig), w->entry,
					 err)))
			return r;
	}
	w->gate = at;
	return arch_gate_write(image + (at - base), &len, at, flag, to,
			       w->before, w->len, w->entry, err);
}

int replace_gates(struct replace *rp, struct record *rec, unsigned char *image,
		  uint64_t base, uint64_t gates_off, size_t first,
		  uint64_t flag, struct error *err)
{
	for (size_t k = 0; k < rec->nswitches; k++) {
		uint64_t at =
		    base + gates_off + (first + 2 * k) * ARCH_GATE_MAX;
		struct error why = {""};

		if (switch_gate(&rec->switches[k], &rp->src[k], rec, image,
				base, at, at + ARCH_GATE_MAX, flag, &why))
			return error_set(err, -ENOTSUP,
					 "function %s cannot be switched in "
					 "one step (%s); revert the old "
					 "patches and apply the new one "
					 "instead",
					 rp->src[k].name, why.msg);
	}
	return 0;
}

int replace_unchanged(const struct replace *rp, const struct record *rec,
		      const struct rmem *mem, struct error *err)
{
	unsigned char have[ARCH_TRAMPOLINE_MAX];
	int r;

	for (size_t k = 0; k < rec->nswitches; k++) {
		const struct record_switch *w = &rec->switches[k];

		/* the new patch's own functions were checked with the rest
		 * of their code (apply.c: entries_unchanged) */
		if (rp->src[k].func >= 0)
			continue;
		if ((r = rmem_read(mem, w->entry, have, w->len, err)))
			return r;
		if (memcmp(have, w->before, w->len))
			return error_set(err, -EAGAIN,
					 "the code of function %s changed "
					 "while suture prepared",
					 rp->src[k].name);
	}
	return 0;
}

int replace_write(struct replace *rp, const struct record *rec,
		  const struct rmem *mem, struct error *err)
{
	unsigned char jmp[ARCH_TRAMPOLINE_MAX];
	int r;

	for (rp->nwritten = 0; rp->nwritten < rec->nswitches; rp->nwritten++) {
		const struct record_switch *w = &rec->switches[rp->nwritten];

		if (arch_trampoline_write(jmp, w->entry, w->gate) < 0)
			return error_set(err, -ERANGE,
					 "function %s cannot jump to its "
					 "switch at %#" PRIx64,
					 rp->src[rp->nwritten].name, w->gate);
		if ((r = rmem_write(mem, w->entry, jmp, w->len, err)))
			return r;
		fault_point("switch written");
	}
	return 0;
}

void replace_undo(struct replace *rp, const struct record *rec,
		  const struct rmem *mem)
{
	for (size_t k = 0; k < rp->nwritten; k++)
		rmem_write(mem, rec->switches[k].entry, rec->switches[k].before,
			   rec->switches[k].len, NULL);
	rp->nwritten = 0;
}

void replace_free(struct replace *rp)
{
	free(rp->old);
	free(rp->src);
	free(rp->covered);
	memset(rp, 0, sizeof(*rp));
}
