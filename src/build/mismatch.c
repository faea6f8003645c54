/*
 * mismatch.c - explaining why the rebuilt original is not the target.
 *
 * A refusal that only says "does not match" sends the engineer hunting.
 * verify.c calls these to add, below its message, the first differing
 * instructions of each listed function side by side, and one line on the
 * likely cause: what the DWARF producer strings of the target and of the
 * rebuild say about compiler and flags (producer.c), the compile command
 * used now, and the .comment sections when there is no DWARF.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "build/mismatch.h"
#include "build/producer.h"
#include "util/xalloc.h"

/* Instructions shown from the first difference on. */
#define MISMATCH_INSNS 3
/* Width of the left column. */
#define MISMATCH_COL 44

/* Line @k of @text (without its newline) into @buf, "" past the end. */
static void mismatch_line(const char *text, int k, char *buf, size_t size)
{
	const char *p = text ? text : "";
	size_t n;

	for (; k > 0 && *p; k--)
		p += strcspn(p, "\n") + (p[strcspn(p, "\n")] ? 1 : 0);
	n = strcspn(p, "\n");
	snprintf(buf, size, "%.*s", (int)n, p);
}

void mismatch_listing(struct build_ctx *ctx, const unsigned char *a,
		      size_t alen, size_t aoff, const unsigned char *b,
		      size_t blen, size_t boff)
{
	char *la = NULL, *lb = NULL;
	char left[128], right[128];

	if (aoff < alen)
		arch_disasm(a + aoff, alen - aoff, aoff, &la);
	if (boff < blen)
		arch_disasm(b + boff, blen - boff, boff, &lb);
	build_detail(ctx, "      %-*s| %s", MISMATCH_COL, "rebuilt", "target");
	for (int k = 0; k < MISMATCH_INSNS; k++) {
		mismatch_line(la, k, left, sizeof(left));
		mismatch_line(lb, k, right, sizeof(right));
		if (!k && !left[0])
			snprintf(left, sizeof(left), "(ends at %#zx)", alen);
		if (!k && !right[0])
			snprintf(right, sizeof(right), "(ends at %#zx)", blen);
		if (left[0] || right[0])
			build_detail(ctx, "      %-*s| %s", MISMATCH_COL, left,
				     right);
	}
	free(la);
	free(lb);
}

/* The compile command of orig object @o, as the build ran it. */
static void mismatch_command(struct build_ctx *ctx, const struct objfile *o)
{
	const struct build_tree *t = &ctx->tree[TREE_ORIG];
	char *abs = xasprintf("%s/%s", t->root, o->key);
	const struct cc_cmd *c = cclog_producer(t->cclog, abs);
	char *line = NULL;

	for (size_t i = 0; c && i < c->argc; i++) {
		char *old = line;

		line = xasprintf("%s %s", old ? old : "", c->argv[i]);
		free(old);
	}
	if (line)
		build_detail(ctx, "compiled now with:%s", line);
	free(line);
	free(abs);
}

/* The .comment sections, when the compilers they name differ. */
static void mismatch_comments(struct build_ctx *ctx)
{
	const struct build_tree *t = &ctx->tree[TREE_ORIG];
	const char *tc = ctx->target->comment ? ctx->target->comment : "";

	for (size_t i = 0; i < t->nobjs; i++) {
		const char *oc = t->objs[i]->comment;

		if (oc && !strstr(tc, oc)) {
			build_detail(ctx, "the target was made by: %s", tc);
			build_detail(ctx, "the rebuilt objects by: %s", oc);
			return;
		}
	}
}

/* The unit of @o as DWARF names it: its source, or its STT_FILE. */
static const char *mismatch_find(const struct producers *p,
				 const struct objfile *o)
{
	const char *s = o->source ? producers_find(p, o->source) : NULL;

	if (!s && o->file_sym)
		s = producers_find(p, o->file_sym);
	return s;
}

void mismatch_cause(struct build_ctx *ctx, const struct objfile *o)
{
	char *rebuilt =
	    xasprintf("%s/%s", ctx->tree[TREE_ORIG].root, ctx->binary);
	struct producers pt, pn;
	const char *t, *n;
	char *cause;

	producers_read(target_dwarf_path(ctx->target), &pt);
	producers_read(rebuilt, &pn);
	t = mismatch_find(&pt, o);
	n = mismatch_find(&pn, o);
	build_detail(ctx, "DWARF producer of %s in the target: %s",
		     o->source ? o->source : o->key, t ? t : "(none)");
	build_detail(ctx, "DWARF producer of %s in the rebuild: %s",
		     o->source ? o->source : o->key, n ? n : "(none)");
	mismatch_command(ctx, o);
	mismatch_comments(ctx);
	cause = producer_cause(t, n);
	build_detail(ctx, "likely cause: %s", cause);
	free(cause);
	producers_free(&pt);
	producers_free(&pn);
	free(rebuilt);
}
