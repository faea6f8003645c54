/*
 * pair.c - which symbol of the orig build a symbol of the patched build
 * is.
 *
 * Globals pair by name anywhere in the link set (a function may move to
 * another file), statics by name within the object of the same path.  One
 * exception: GCC names function-local statics NAME.N with N counted
 * through the file, so adding `static int n` to one function renames the
 * `n` of every later function.  Pairing those by name would bind a
 * function to another function's variable, silently.  They are paired by
 * the functions that use them instead: the orig NAME.M that some function
 * of the same name refers to.  (Clang names them FUNCTION.NAME, which
 * pairs by name.)
 */
#include <ctype.h>
#include <elf.h>
#include <string.h>

#include "build/normalize.h"
#include "build/pipeline.h"

/* Users of a variable recorded for pairing; more are not needed. */
#define PAIR_USERS_MAX 16

/* Whether @name looks like GCC's NAME.N; *baselen gets NAME's length. */
static bool pair_numbered(const char *name, size_t *baselen)
{
	const char *dot = strrchr(name, '.');

	if (!dot || dot == name || !dot[1])
		return false;
	for (const char *p = dot + 1; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	*baselen = (size_t)(dot - name);
	return true;
}

/* The functions of @o whose code refers to variable @var (up to max). */
static size_t pair_users(const struct objfile *o, uint32_t var,
			 const char **names, size_t max)
{
	size_t n = 0;

	for (uint32_t w = 0; w < o->nsecs && n < max; w++) {
		const struct obj_section *s = &o->secs[w];

		for (size_t i = 0; obj_sec_exec(s) && i < s->nrelocs && n < max;
		     i++) {
			const struct obj_reloc *r = &s->relocs[i];
			struct ref ref;
			int f;

			/* Cheap test first: the variable's own section. */
			if (o->syms[r->sym].shndx != o->syms[var].shndx)
				continue;
			ref_resolve(o, w, r, &ref);
			if (ref.kind != REF_DATA || ref.sym != var)
				continue;
			f = obj_owner(o, w, (int64_t)r->offset);
			if (f >= 0)
				names[n++] = o->syms[f].name;
		}
	}
	return n;
}

static bool pair_share(const char **a, size_t na, const char **b, size_t nb)
{
	for (size_t i = 0; i < na; i++)
		for (size_t k = 0; k < nb; k++)
			if (!strcmp(a[i], b[k]))
				return true;
	return false;
}

/* A numbered static @y (symbol @sym of @o) in orig object @c, by use. */
static int pair_by_use(const struct objfile *o, uint32_t sym,
		       const struct objfile *c, size_t baselen)
{
	const char *mine[PAIR_USERS_MAX], *theirs[PAIR_USERS_MAX];
	const struct obj_symbol *y = &o->syms[sym];
	size_t nmine = pair_users(o, sym, mine, PAIR_USERS_MAX);
	int found = -1;

	for (size_t k = 0; k < c->nsyms; k++) {
		const struct obj_symbol *x = &c->syms[k];
		size_t bl, n;

		if (x->type != STT_OBJECT || x->bind != STB_LOCAL ||
		    !obj_sym_defined(c, x) || !pair_numbered(x->name, &bl) ||
		    bl != baselen || strncmp(x->name, y->name, bl))
			continue;
		n = pair_users(c, (uint32_t)k, theirs, PAIR_USERS_MAX);
		if (!pair_share(mine, nmine, theirs, n))
			continue;
		/* Prefer the same name when several fit. */
		if (found < 0 || !strcmp(x->name, y->name))
			found = (int)k;
	}
	return found;
}

int build_pair(const struct build_ctx *ctx, const struct objfile *o,
	       const struct obj_symbol *y, struct objfile **oobj)
{
	const struct build_tree *t = &ctx->tree[TREE_ORIG];
	struct objfile *pair = build_objpair(ctx, o);
	size_t baselen;
	int k;

	*oobj = NULL;
	if (y->bind == STB_LOCAL && y->type == STT_OBJECT &&
	    pair_numbered(y->name, &baselen)) {
		k = pair
			? pair_by_use(o, (uint32_t)(y - o->syms), pair, baselen)
			: -1;
		*oobj = k >= 0 ? pair : NULL;
		return k;
	}
	/* The paired object first: where a global usually stays. */
	for (size_t i = 0; i <= t->nobjs; i++) {
		struct objfile *c = i ? t->objs[i - 1] : pair;

		if (!c || (i && c == pair) ||
		    (y->bind == STB_LOCAL && c != pair))
			continue;
		k = obj_find(c, y->name);
		if (k >= 0 && c->syms[k].type == y->type &&
		    (c->syms[k].bind == STB_LOCAL) == (y->bind == STB_LOCAL)) {
			*oobj = c;
			return k;
		}
	}
	return -1;
}
