/*
 * noreturn.c - after compare.c: warn when a changed function is one that a
 * thread never leaves.
 *
 * suture apply switches a function only when no thread is inside it or
 * below it on its stack.  A thread that runs a daemon's main loop, or a
 * worker loop that never returns, is always there: every apply of such a
 * patch waits out its --timeout and fails.  The patch is still built (a
 * process whose threads are elsewhere, or one patched before it starts
 * its loop, can take it), but the author is told at build time.
 *
 * Two facts identify such a function, both cheap and both the compiler's:
 * it is `main`, which the main thread leaves only to exit; or its machine
 * code cannot return.  The running (orig) code is decoded; it can return
 * if it has a return instruction, a jump through a register or memory (a
 * tail call or a table), or a jump to another function (a tail call);
 * jumps to its own split-off part (foo.cold) are followed into that part.
 * A function declared noreturn compiles to code without a return, so it
 * is found this way too, as is an endless loop the compiler proved.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "build/normalize.h"
#include "build/pipeline.h"

/* Parts of one function followed at most (foo and foo.cold). */
#define NORETURN_PARTS 4

struct nr_walk {
	const struct objfile *o;
	const char *name; /* the function's own name */
	uint32_t seen[NORETURN_PARTS];
	size_t nseen;
};

static bool nr_leaves(struct nr_walk *w, uint32_t sym);

/* Whether symbol @sym is the function itself or one of its parts. */
static bool nr_own(const struct nr_walk *w, uint32_t sym)
{
	const char *name = w->o->syms[sym].name;
	size_t n = strlen(w->name);

	return !strncmp(name, w->name, n) &&
	       (!name[n] || !strncmp(name + n, ".cold", 5));
}

/* Whether the jump at [@off, +@size) of section @shndx leaves the
 * function: it carries a relocation to anything but the function's own
 * parts (whose code is then searched too). */
static bool nr_jump_leaves(struct nr_walk *w, uint32_t shndx, uint64_t off,
			   size_t size)
{
	const struct obj_section *s = &w->o->secs[shndx];
	size_t first, n = obj_relocs_in(w->o, shndx, off, size, &first);

	for (size_t i = 0; i < n; i++) {
		struct ref ref;

		ref_resolve(w->o, shndx, &s->relocs[first + i], &ref);
		if (ref.kind != REF_FUNC || !nr_own(w, ref.sym) ||
		    nr_leaves(w, ref.sym))
			return true;
	}
	return false;
}

/* Whether the code of symbol @sym (the function or a part) can leave. */
static bool nr_leaves(struct nr_walk *w, uint32_t sym)
{
	const struct obj_symbol *y = &w->o->syms[sym];
	const struct obj_section *s = &w->o->secs[y->shndx];
	struct arch_flow_insn *fl;
	bool leaves = false;
	size_t n;

	for (size_t i = 0; i < w->nseen; i++)
		if (w->seen[i] == sym)
			return false; /* searched already */
	if (w->nseen == NORETURN_PARTS || !s->data ||
	    y->value + y->size > s->size)
		return true; /* not known: assume it returns */
	w->seen[w->nseen++] = sym;
	if (arch_code_flow(s->data + y->value, y->size, &fl, &n) < 0)
		leaves = true;
	for (size_t i = 0; i < n && !leaves; i++)
		leaves = fl[i].kind != ARCH_FLOW_JUMP ||
			 nr_jump_leaves(w, y->shndx, y->value + fl[i].off,
					fl[i].size);
	free(fl);
	return leaves;
}

/* Why a thread never leaves function @f, or NULL if it may. */
static const char *nr_reason(const struct fn_result *f)
{
	const struct obj_symbol *y = &f->oobj->syms[f->osym];
	struct nr_walk w = {.o = f->oobj, .name = y->name};

	if (!strcmp(y->name, "main"))
		return "the main thread leaves main only to exit";
	if (!nr_leaves(&w, f->osym))
		return "its code has no way to return (a loop without end, "
		       "or a function declared noreturn)";
	return NULL;
}

void noreturn_warn(const struct build_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nfns; i++) {
		const struct fn_result *f = &ctx->fns[i];
		const char *why;

		if (f->state != FN_CHANGED || !f->in_patch || f->cold ||
		    !f->oobj || !(why = nr_reason(f)))
			continue;
		build_warn(ctx,
			   "function %s (%s) is changed, but a thread that "
			   "runs it never leaves it: %s.  suture apply "
			   "switches a function only when no thread is in it "
			   "or below it, so it will wait for that until "
			   "--timeout and fail.  Move the change into a "
			   "function the loop calls: the loop then calls the "
			   "new version",
			   f->obj->syms[f->sym].name, f->obj->key, why);
	}
}
