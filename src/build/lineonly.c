/*
 * lineonly.c - functions whose only change is a shifted __LINE__.
 *
 * Inserting lines into a file moves every later line, and every assert()
 * or logging macro below the insertion passes a new __LINE__ to its helper.
 * Such functions compile differently but behave the same, and patching
 * them would only enlarge the patch and the set of functions that must be
 * idle when it goes live.  They are recognised conservatively: the
 * relocations must be equivalent, the code must differ only in immediate
 * operands (arch_insn_imm_diff), and every differing pair (old, new) must
 * name the same text at line old of the orig source and line new of the
 * patched source.  Only the object's own source file is consulted, so a
 * __LINE__ from a header is not recognised and the function counts as
 * changed, which is safe.
 */
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "build/lineonly.h"
#include "build/normalize.h"
#include "util/file.h"
#include "util/xalloc.h"

/* Differing immediates examined; more means "really changed". */
#define LINEONLY_IMM_MAX 64

struct lineonly_file {
	unsigned char *buf;
	size_t len;
	char **lines; /* pointers into buf, NUL-terminated in place */
	size_t nlines;
};

static bool lineonly_load(const char *root, const char *rel,
			  struct lineonly_file *f)
{
	char *path = xasprintf("%s/%s", root, rel);
	struct error err = {{0}};
	size_t cap = 0;
	char *p;

	memset(f, 0, sizeof(*f));
	if (file_read(path, &f->buf, &f->len, &err)) {
		free(path);
		return false;
	}
	free(path);
	for (p = (char *)f->buf; p < (char *)f->buf + f->len;) {
		char *nl = strchr(p, '\n');

		XGROW(f->lines, cap, f->nlines);
		f->lines[f->nlines++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return true;
}

static void lineonly_free(struct lineonly_file *f)
{
	free(f->buf);
	free(f->lines);
}

/* Whether line @old of @a reads as line @new of @b. */
static bool lineonly_same_line(const struct lineonly_file *a, int64_t old,
			       const struct lineonly_file *b, int64_t new)
{
	if (old < 1 || new < 1 || (uint64_t)old > a->nlines ||
	    (uint64_t) new > b->nlines)
		return false;
	return !strcmp(a->lines[old - 1], b->lines[new - 1]);
}

static bool lineonly_lines(const struct build_ctx *ctx,
			   const struct fn_result *f, const int64_t *old,
			   const int64_t *new, size_t n)
{
	const char *src = f->oobj->source;
	struct lineonly_file a, b;
	bool same = true;

	if (!src || !f->obj->source || strcmp(src, f->obj->source))
		return false;
	if (!lineonly_load(ctx->tree[TREE_ORIG].root, src, &a))
		return false;
	if (!lineonly_load(ctx->tree[TREE_PATCHED].root, src, &b)) {
		lineonly_free(&a);
		return false;
	}
	for (size_t i = 0; i < n && same; i++)
		same = lineonly_same_line(&a, old[i], &b, new[i]);
	lineonly_free(&a);
	lineonly_free(&b);
	return same;
}

bool lineonly_check(const struct build_ctx *ctx, const struct fn_result *f)
{
	const struct obj_symbol *y = &f->obj->syms[f->sym];
	const struct obj_symbol *oy = &f->oobj->syms[f->osym];
	const unsigned char *a = f->oobj->secs[oy->shndx].data;
	const unsigned char *b = f->obj->secs[y->shndx].data;
	int64_t old[LINEONLY_IMM_MAX], new[LINEONLY_IMM_MAX];
	size_t n = 0;

	if (!a || !b || oy->size != y->size ||
	    !norm_range_equal(f->oobj, oy->shndx, oy->value, oy->size, f->obj,
			      y->shndx, y->value, y->size, true, NULL))
		return false;
	if (arch_insn_imm_diff(a + oy->value, oy->size, b + y->value, y->size,
			       old, new, LINEONLY_IMM_MAX, &n) != 1 ||
	    n == 0 || n > LINEONLY_IMM_MAX)
		return false;
	return lineonly_lines(ctx, f, old, new, n);
}
