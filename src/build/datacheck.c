/*
 * datacheck.c - refuse a patch that changes data the running process
 * already holds (pipeline.h).
 *
 * Code is replaced, memory is not: objects the old code built keep the old
 * layout.  So for every object of the link set, from the DWARF of both
 * builds:
 *
 *   - every struct, union, enum and typedef that a function in the patch
 *     uses (through its parameters, locals, inlined callees, and the types
 *     those mention), or that a variable uses, must have the same layout in
 *     the patched build as in the original: same size, members, offsets,
 *     member types, enumerator values;
 *   - every variable with static storage (globals, file and function
 *     statics) must keep its type and size, and must not disappear.
 *
 * Types that changed but that no patched function and no variable uses
 * are not the patch's business (a header change seen only by untouched
 * code).  New types and new variables are fine.
 *
 * An object without DWARF that holds code or data cannot be checked, so
 * its presence refuses the build unless opts->accept_no_debug; accepted,
 * the objects are kept in ctx->data_unchecked for the report and record.
 */
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "build/dwmacros.h"
#include "build/dwtypes.h"
#include "build/pipeline.h"
#include "util/file.h"
#include "util/xalloc.h"

/* The part of a layout text between "{ " and " }", split at "; ". */
static char **parts(const char *text, size_t *n)
{
	const char *b = strstr(text, "{ "), *e = strrchr(text, '}');
	char *body, *save = NULL, **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (!b || !e || e < b + 2)
		return NULL;
	body = xstrndup(b + 2, (size_t)(e - b - 2));
	for (char *t = strtok_r(body, ";", &save); t;
	     t = strtok_r(NULL, ";", &save)) {
		char *end = t + strlen(t);

		while (*t == ' ')
			t++;
		while (end > t && end[-1] == ' ')
			*--end = '\0';
		if (!*t)
			continue;
		XGROW(v, cap, *n + 1);
		v[(*n)++] = xstrdup(t);
	}
	free(body);
	return v;
}

/* The name in a member ("T name @8", "T f:3 @bit 2") or enumerator
 * ("A=1") description. */
static char *part_name(const char *p)
{
	const char *at = strstr(p, " @"), *eq = strchr(p, '='), *end, *s;

	if (eq && (!at || eq < at))
		return xstrndup(p, (size_t)(eq - p));
	end = at ? at : p + strlen(p);
	for (s = end; s > p && s[-1] != ' ' && s[-1] != '*'; s--)
		;
	return xstrndup(s, (size_t)(end - s));
}

/* The first element of @a with no same-named element in @b, or NULL. */
static const char *missing_in(char **a, size_t na, char **b, size_t nb)
{
	for (size_t i = 0; i < na; i++) {
		char *ni = part_name(a[i]);
		bool found = false;

		for (size_t k = 0; k < nb && !found; k++) {
			char *nk = part_name(b[k]);

			found = !strcmp(ni, nk);
			free(nk);
		}
		free(ni);
		if (!found)
			return a[i];
	}
	return NULL;
}

/* What changed between two layouts, in a few words. */
static char *what_changed(const char *old, const char *new)
{
	size_t no, nn;
	char **o = parts(old, &no), **n = parts(new, &nn);
	const char *p;
	char *s = NULL;

	if ((p = missing_in(n, nn, o, no)))
		s = xasprintf("'%s' added", p);
	else if ((p = missing_in(o, no, n, nn)))
		s = xasprintf("'%s' removed", p);
	for (size_t i = 0; !s && i < no && i < nn; i++)
		if (strcmp(o[i], n[i]))
			s = xasprintf("'%s' became '%s'", o[i], n[i]);
	for (size_t i = 0; i < no; i++)
		free(o[i]);
	for (size_t i = 0; i < nn; i++)
		free(n[i]);
	free(o);
	free(n);
	return s ? s : xstrdup("its type or size changed");
}

/* The names of the functions of patched object @obj that go into the
 * patch. */
static const char **patched_funcs(const struct build_ctx *ctx,
				  const struct objfile *obj, size_t *n)
{
	const char **v = xcalloc(ctx->nfns + 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; i < ctx->nfns; i++)
		if (ctx->fns[i].obj == obj && ctx->fns[i].in_patch)
			v[(*n)++] = obj->syms[ctx->fns[i].sym].name;
	return v;
}

/* Read one object's DWARF: its path in @t, or its archive and member. */
static int read_view(const struct build_tree *t, const struct objfile *o,
		     const char *const *funcs, size_t nfuncs, bool all,
		     struct dw_view *v, struct error *err)
{
	char *path, *member;
	int r;

	dw_object_path(t->root, o->key, &path, &member);
	r = dw_view_read(path, member, funcs, nfuncs, all, v, err);
	free(path);
	free(member);
	return r;
}

/* Keep @msg (taken over) for the report and the build record. */
static void warn(struct build_ctx *ctx, char *msg)
{
	for (size_t i = 0; i < ctx->ndata_warnings; i++)
		if (!strcmp(ctx->data_warnings[i], msg)) {
			free(msg); /* a header type, seen from each object */
			return;
		}
	XGROW(ctx->data_warnings, ctx->data_warnings_cap,
	      ctx->ndata_warnings + 1);
	ctx->data_warnings[ctx->ndata_warnings++] = msg;
}

/* Whether member description @o (old) and @n (new), "name@off.bit/bits:R"
 * (or the aggregate's "size N"), store
 * alike: the same, or a bool become an integer of its size, which reads
 * every old value (0, 1) as the same number. */
static bool member_alike(const char *o, const char *n)
{
	const char *oc = strrchr(o, ':'), *nc = strrchr(n, ':');

	if (!strcmp(o, n))
		return true;
	return oc && nc && oc - o == nc - n && !strncmp(o, n, oc - o) &&
	       oc[1] == 'b' && (nc[1] == 'u' || nc[1] == 's') &&
	       !strcmp(oc + 2, nc + 2);
}

/* Whether types @w (old) and @n (new) differ only in names (typedefs) or
 * in members stored alike. */
static bool stored_alike(const struct dw_item *w, const struct dw_item *n)
{
	char *o, *m, *so = NULL, *sn = NULL, *a, *b;
	bool same = true;

	if (!w->repr || !n->repr)
		return false;
	o = xstrdup(w->repr);
	m = xstrdup(n->repr);
	for (a = strtok_r(o, ";", &so), b = strtok_r(m, ";", &sn);
	     same && (a || b);
	     a = strtok_r(NULL, ";", &so), b = strtok_r(NULL, ";", &sn))
		same = a && b && member_alike(a, b);
	free(o);
	free(m);
	return same;
}

/* Count and explain one difference; @what is "type" or "variable". */
static void differs(struct build_ctx *ctx, const struct objfile *o,
		    const char *what, const struct dw_item *was,
		    const char *now, size_t *bad)
{
	char *change = now ? what_changed(was->text, now) : NULL;

	if (!*bad)
		build_detail(ctx, "data the running process holds would "
				  "change:");
	(*bad)++;
	if (!now)
		build_detail(ctx, "  %s %s (%s) disappeared", what, was->name,
			     o->source ? o->source : o->key);
	else
		build_detail(ctx, "  %s %s (%s): %s\n    old: %s\n    new: %s",
			     what, was->name, o->source ? o->source : o->key,
			     change, was->text, now);
	free(change);
}

/* A type whose members kept how they are stored: accepted, and said. */
static void alike(struct build_ctx *ctx, const struct objfile *o,
		  const struct dw_item *w, const struct dw_item *n)
{
	char *change = what_changed(w->text, n->text);

	warn(ctx, xasprintf("type %s: %s; stored alike (every value in "
			    "memory means the same), so accepted: check that "
			    "the meaning did not change",
			    n->name, change));
	free(change);
}

/* Compare the views of one object pair; counts differences in *bad. */
static void compare_views(struct build_ctx *ctx, const struct objfile *o,
			  const struct dw_view *old, const struct dw_view *new,
			  size_t *bad)
{
	for (size_t i = 0; i < new->types.n; i++) {
		const struct dw_item *n = &new->types.v[i];
		const struct dw_item *w = dw_items_find(&old->types, n->name);

		ctx->data_types++;
		if (!w || !strcmp(w->text, n->text))
			continue;
		if (stored_alike(w, n))
			alike(ctx, o, w, n);
		else
			differs(ctx, o, "type", w, n->text, bad);
	}
	for (size_t i = 0; i < old->vars.n; i++) {
		const struct dw_item *w = &old->vars.v[i];
		const struct dw_item *n = dw_items_find(&new->vars, w->name);

		ctx->data_vars++;
		if (!n || strcmp(w->text, n->text))
			differs(ctx, o, "variable", w, n ? n->text : NULL, bad);
	}
}

/* Whether the identifier @name occurs in @text. */
static bool mentions(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *s = text; (s = strstr(s, name)); s += n)
		if ((s == text ||
		     !(isalnum((unsigned char)s[-1]) || s[-1] == '_')) &&
		    !(isalnum((unsigned char)s[n]) || s[n] == '_'))
			return true;
	return false;
}

/*
 * With -g3, a macro whose value changed and that the patched source file
 * uses: a value already stored with the old meaning keeps it (a new flag
 * bit in a field old objects have, say).  Not refused, but said.
 */
static void compare_macros(struct build_ctx *ctx, const struct objfile *p,
			   const struct dw_items *old,
			   const struct dw_items *new)
{
	unsigned char *text = NULL;
	size_t len;
	char *path;

	if (!old || !new || !p->source)
		return;
	path = xasprintf("%s/%s", ctx->tree[TREE_PATCHED].root, p->source);
	if (file_read(path, &text, &len, NULL))
		text = NULL;
	free(path);
	for (size_t i = 0; text && i < new->n; i++) {
		const struct dw_item *n = &new->v[i];
		const struct dw_item *w = dw_items_find(old, n->name);

		if (!w || !strcmp(w->text, n->text) ||
		    !mentions((char *)text, n->name))
			continue;
		warn(ctx,
		     xasprintf("macro %s: '%s' -> '%s' (used in %s): values "
			       "stored with the old meaning stay in memory; "
			       "check that the patch handles them",
			       n->name, w->text, n->text, p->source));
	}
	free(text);
}

/* The macros of both linked files, compared for every object whose code
 * the patch changes. */
static int check_macros(struct build_ctx *ctx, struct error *err)
{
	struct dw_macros m[TREE_COUNT] = {{0}};
	int r = 0;

	for (int i = 0; i < TREE_COUNT && !r; i++) {
		char *path =
		    xasprintf("%s/%s", ctx->tree[i].root, ctx->binary);

		r = dw_macros_read(path, &m[i], err);
		free(path);
	}
	for (size_t i = 0; !r && i < ctx->tree[TREE_PATCHED].nobjs; i++) {
		const struct objfile *p = ctx->tree[TREE_PATCHED].objs[i];
		size_t nf;
		const char **funcs = patched_funcs(ctx, p, &nf);

		if (nf && p->source)
			compare_macros(
			    ctx, p, dw_macros_find(&m[TREE_ORIG], p->source),
			    dw_macros_find(&m[TREE_PATCHED], p->source));
		free(funcs);
	}
	dw_macros_free(&m[TREE_ORIG]);
	dw_macros_free(&m[TREE_PATCHED]);
	return r;
}

/*
 * Whether @o holds anything a process could run or keep in memory: an
 * allocated section with content (notes aside).  A file that preprocessing
 * emptied (all of it under #ifdef WITH_TLS) compiles to an object without
 * DWARF and without anything to check: its view, empty, is the truth.
 */
static bool holds_anything(const struct objfile *o)
{
	for (size_t i = 0; i < o->nsecs; i++)
		if ((o->secs[i].flags & SHF_ALLOC) && o->secs[i].size &&
		    o->secs[i].type != SHT_NOTE)
			return true;
	return false;
}

/* Whether object @o, read as @v, holds what its missing DWARF hides. */
static bool unchecked(const struct dw_view *v, const struct objfile *o)
{
	return !v->ncus && holds_anything(o);
}

/* Check one patched object against its original. */
static int check_object(struct build_ctx *ctx, const struct objfile *p,
			size_t *bad, struct error *err)
{
	const struct objfile *o = build_objpair(ctx, p);
	struct dw_view old, new;
	size_t nf;
	const char **funcs;
	int r;

	if (!o)
		return 0; /* a new file: nothing of it is in memory yet */
	funcs = patched_funcs(ctx, p, &nf);
	r = read_view(&ctx->tree[TREE_PATCHED], p, funcs, nf, false, &new, err);
	free(funcs);
	if (r)
		return r;
	if ((r = read_view(&ctx->tree[TREE_ORIG], o, NULL, 0, true, &old,
			   err))) {
		dw_view_free(&new);
		return r;
	}
	if (unchecked(&old, o) || unchecked(&new, p)) {
		XGROW(ctx->data_unchecked, ctx->data_unchecked_cap,
		      ctx->ndata_unchecked + 1);
		ctx->data_unchecked[ctx->ndata_unchecked++] = p->key;
	} else
		compare_views(ctx, p, &old, &new, bad);
	dw_view_free(&old);
	dw_view_free(&new);
	return 0;
}

/* How many objects name lists show before "and N more". */
#define DATA_NAMES_SHOWN 3

/* "a.o, b.o, c.o and 4 more": the first objects of @v[0..n). */
static char *data_names(const char *const *v, size_t n)
{
	char *s = xstrdup(""), *t;

	for (size_t i = 0; i < n && i < DATA_NAMES_SHOWN; i++) {
		t = xasprintf("%s%s%s", s, i ? ", " : "", v[i]);
		free(s);
		s = t;
	}
	if (n <= DATA_NAMES_SHOWN)
		return s;
	t = xasprintf("%s and %zu more", s, n - DATA_NAMES_SHOWN);
	free(s);
	return t;
}

/*
 * Objects without DWARF: what they hold cannot be checked, and a patch
 * that renumbers an enum or changes a variable's type there would be
 * silently wrong.  Refused unless the author accepts it explicitly.
 */
static int refuse_unchecked(struct build_ctx *ctx, struct error *err)
{
	size_t n = ctx->ndata_unchecked;
	char *names = data_names(ctx->data_unchecked, n);
	int r;

	build_detail(ctx, "objects without debug information:");
	for (size_t i = 0; i < n; i++)
		build_detail(ctx, "  %s", ctx->data_unchecked[i]);
	r = error_set(
	    err, -EINVAL,
	    "%zu object%s of the link set ha%s no debug information "
	    "(%s): changes to the layout or type of data the running "
	    "process holds (a renumbered enum, a changed variable type) "
	    "cannot be checked there.  Build with -g (in CFLAGS), or "
	    "pass --accept-no-debug to build the patch without that "
	    "check for these objects",
	    n, n == 1 ? "" : "s", n == 1 ? "s" : "ve", names);
	free(names);
	return r;
}

int data_check(struct build_ctx *ctx, struct error *err)
{
	const struct build_tree *t = &ctx->tree[TREE_PATCHED];
	size_t bad = 0;
	int r;

	for (size_t i = 0; i < t->nobjs; i++)
		if ((r = check_object(ctx, t->objs[i], &bad, err)))
			return r;
	if ((r = check_macros(ctx, err)))
		return r;
	if (bad)
		return error_set(
		    err, -EINVAL,
		    "the patch changes the layout or type of %zu piece%s of "
		    "data that the running process already holds (listed "
		    "below): the new code would use objects the old code "
		    "built as if they had the new layout.  Keep the old "
		    "layout; a new field of an existing object can be "
		    "attached as shadow data (suture_shadow_*, see README)",
		    bad, bad == 1 ? "" : "s");
	if (ctx->ndata_unchecked && !ctx->opts->accept_no_debug)
		return refuse_unchecked(ctx, err);
	return 0;
}

json_t *data_check_json(const struct build_ctx *ctx)
{
	json_t *warnings = json_array(), *unchecked = json_array();

	for (size_t i = 0; i < ctx->ndata_warnings; i++)
		json_array_append_new(warnings,
				      json_string(ctx->data_warnings[i]));
	for (size_t i = 0; i < ctx->ndata_unchecked; i++)
		json_array_append_new(unchecked,
				      json_string(ctx->data_unchecked[i]));
	return json_pack("{s:I, s:I, s:I, s:o, s:o}", "types",
			 (json_int_t)ctx->data_types, "variables",
			 (json_int_t)ctx->data_vars, "objects_without_dwarf",
			 (json_int_t)ctx->ndata_unchecked, "unchecked_objects",
			 unchecked, "warnings", warnings);
}
