/*
 * lineonly.c - functions whose only change is a shifted __LINE__.
 *
 * Inserting lines into a file moves every later line, and every assert()
 * or logging macro below the insertion passes a new __LINE__ to its helper.
 * Such functions compile differently but behave the same, and patching
 * them would only enlarge the patch and the set of functions that must be
 * idle when it goes live.  But a constant that merely looks like a line
 * number is a real change, and leaving it out of the patch is a silently
 * wrong patch, so a function counts as __LINE__-only only when this is
 * proven for every differing constant:
 *
 *   - the relocations are equivalent and the code differs only in
 *     immediate operands (arch_insn_imm_diff), at the same offsets;
 *   - in each build, the DWARF line table attributes the instruction
 *     carrying the constant to a line of a file of the tree whose number
 *     is the constant itself: orig line old holds the instruction with
 *     immediate old, patched line new the one with new.  __LINE__ is the
 *     line of the statement that uses it, and compilers attribute the
 *     instruction that loads it to that statement;
 *   - that line reads the same in both trees (orig line old == patched
 *     line new, same file), so the statement itself did not change.
 *
 * A constant that only happens to name some blank or unchanged line (the
 * "n <= 31" that became "n <= 48") fails the second test, as the compare
 * is attributed to its own statement, whose number is not the constant;
 * it would pass only if a literal equal to its own line number changed
 * along with the line number while the line's text stayed the same, which
 * the text test rules out for a literal (a changed macro defined elsewhere
 * remains conceivable: docs/DESIGN.md).  Unproven, the function is patched:
 * with a warning when an object has no DWARF at all, else with a note
 * (suture build -v) naming the constant.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "build/dwlines.h"
#include "build/lineonly.h"
#include "build/normalize.h"
#include "util/file.h"
#include "util/xalloc.h"

/* Differing immediates examined; more means "really changed". */
#define LINEONLY_IMM_MAX 64

/* One source file of one tree, split into lines. */
struct lineonly_file {
	char *rel; /* path relative to the tree, or NULL: not loaded */
	unsigned char *buf;
	size_t len;
	char **lines; /* pointers into buf, NUL-terminated in place */
	size_t nlines;
};

/* The two builds' line tables and the file last read from each tree. */
struct lineonly_proof {
	const struct build_ctx *ctx;
	const struct fn_result *f;
	struct dw_lines *dw[TREE_COUNT];
	struct lineonly_file text[TREE_COUNT];
	bool no_lines; /* a build has no DWARF at all */
};

static void lineonly_free(struct lineonly_file *f)
{
	free(f->rel);
	free(f->buf);
	free(f->lines);
	memset(f, 0, sizeof(*f));
}

/* Make @f hold @rel of tree @root; false if it cannot be read. */
static bool lineonly_load(const char *root, const char *rel,
			  struct lineonly_file *f)
{
	char *path, *p;
	size_t cap = 0;
	int r;

	if (f->rel && !strcmp(f->rel, rel))
		return true;
	lineonly_free(f);
	path = xasprintf("%s/%s", root, rel);
	r = file_read(path, &f->buf, &f->len, NULL);
	free(path);
	if (r)
		return false;
	f->rel = xstrdup(rel);
	for (p = (char *)f->buf; p < (char *)f->buf + f->len;) {
		char *nl =
		    memchr(p, '\n', (size_t)((char *)f->buf + f->len - p));

		XGROW(f->lines, cap, f->nlines);
		f->lines[f->nlines++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return true;
}

/* Line @n (from 1) of @f, or NULL. */
static const char *lineonly_text(const struct lineonly_file *f, int64_t n)
{
	return n >= 1 && (uint64_t)n <= f->nlines ? f->lines[n - 1] : NULL;
}

/* @file (as the line table names it) relative to tree @t: the builds'
 * paths name the user's tree (the compiler wrapper's prefix map), or the
 * scratch copy itself.  NULL if outside both. */
static const char *lineonly_rel(const struct build_ctx *ctx,
				enum build_tree_id t, const char *file)
{
	const char *roots[] = {ctx->src_real, ctx->tree[t].root};

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		const char *rel = path_under(file, roots[i]);

		if (rel && *rel)
			return rel;
	}
	return NULL;
}

/* Attribution of the instruction at @off in build @t, or false. */
static bool lineonly_at(struct lineonly_proof *p, enum build_tree_id t,
			uint64_t off, struct dw_line *out)
{
	const struct objfile *o = t == TREE_ORIG ? p->f->oobj : p->f->obj;
	uint32_t sym = t == TREE_ORIG ? p->f->osym : p->f->sym;

	return dw_lines_at(p->dw[t], sym, o->syms[sym].name, off, out);
}

/* Whether constant change @c is proven a __LINE__ shift (see top). */
static bool lineonly_proven(struct lineonly_proof *p,
			    const struct arch_imm_change *c)
{
	struct dw_line a = {0}, b = {0};
	const char *ra, *rb, *ta, *tb;
	bool ok = false;

	if (!lineonly_at(p, TREE_ORIG, c->off, &a) ||
	    !lineonly_at(p, TREE_PATCHED, c->off, &b))
		goto out;
	ra = lineonly_rel(p->ctx, TREE_ORIG, a.file);
	rb = lineonly_rel(p->ctx, TREE_PATCHED, b.file);
	if (a.line != c->old_imm || b.line != c->new_imm || !ra || !rb ||
	    strcmp(ra, rb) ||
	    !lineonly_load(p->ctx->tree[TREE_ORIG].root, ra, &p->text[0]) ||
	    !lineonly_load(p->ctx->tree[TREE_PATCHED].root, rb, &p->text[1]))
		goto out;
	ta = lineonly_text(&p->text[0], a.line);
	tb = lineonly_text(&p->text[1], b.line);
	ok = ta && tb && !strcmp(ta, tb);
out:
	if (!ok)
		build_note(p->ctx,
			   "%s: constant %" PRId64 " -> %" PRId64
			   " at +%#" PRIx64 " (lines %d -> %d of %s) is not "
			   "proven a moved __LINE__: the function is patched",
			   p->f->obj->syms[p->f->sym].name, c->old_imm,
			   c->new_imm, c->off, a.line, b.line,
			   b.file ? b.file : "no line table");
	free(a.file);
	free(b.file);
	return ok;
}

/* Prove every change in @c[0..n); false if any is unproven. */
static bool lineonly_prove(struct lineonly_proof *p,
			   const struct arch_imm_change *c, size_t n)
{
	const struct objfile *objs[TREE_COUNT] = {p->f->oobj, p->f->obj};
	bool ok = true;

	for (int t = 0; t < TREE_COUNT; t++)
		if (dw_lines_open(p->ctx->tree[t].root, objs[t]->key, &p->dw[t],
				  NULL) ||
		    !dw_lines_any(p->dw[t]))
			p->no_lines = true;
	for (size_t i = 0; i < n && ok && !p->no_lines; i++)
		ok = lineonly_proven(p, &c[i]);
	for (int t = 0; t < TREE_COUNT; t++) {
		dw_lines_close(p->dw[t]);
		lineonly_free(&p->text[t]);
	}
	return ok && !p->no_lines;
}

bool lineonly_check(const struct build_ctx *ctx, const struct fn_result *f)
{
	const struct obj_symbol *y = &f->obj->syms[f->sym];
	const struct obj_symbol *oy = &f->oobj->syms[f->osym];
	const unsigned char *a = f->oobj->secs[oy->shndx].data;
	const unsigned char *b = f->obj->secs[y->shndx].data;
	struct arch_imm_change c[LINEONLY_IMM_MAX];
	struct lineonly_proof p = {.ctx = ctx, .f = f};
	size_t n = 0;

	if (!a || !b || oy->size != y->size ||
	    !norm_range_equal(f->oobj, oy->shndx, oy->value, oy->size, f->obj,
			      y->shndx, y->value, y->size, true, NULL))
		return false;
	if (arch_insn_imm_diff(a + oy->value, oy->size, b + y->value, y->size,
			       c, LINEONLY_IMM_MAX, &n) != 1 ||
	    n == 0 || n > LINEONLY_IMM_MAX)
		return false;
	if (lineonly_prove(&p, c, n))
		return true;
	if (p.no_lines)
		build_warn(ctx,
			   "%s (%s) differs only in constants, but without "
			   "line information (build with -g) they cannot be "
			   "proven to be shifted __LINE__ values: it is "
			   "patched",
			   y->name,
			   f->obj->source ? f->obj->source : f->obj->key);
	return false;
}
