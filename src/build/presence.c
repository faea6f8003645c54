/*
 * presence.c - functions that exist in only one of the target and the
 * rebuilt original.
 *
 * Comparing code function by function proves nothing about a function
 * that one side does not have: a static the target inlined and the rebuild
 * kept (or the reverse), a function an #ifdef compiled in, a clone
 * (foo.constprop.0) only one optimiser made.  Either means the builds
 * differ, so the two linked binaries' sets of functions must be the same:
 * the rebuild links the same start files and libraries, so everything in
 * the target has a counterpart by name (and, for a static, by the STT_FILE
 * it follows).
 *
 * Two exceptions keep honest builds from being refused: when the link
 * garbage-collects sections (--gc-sections), the rebuild's one section per
 * function lets the linker drop more than it could in the target, so
 * functions only in the target are allowed; and a patch built on another
 * (--on) rebuilds with the base's diffs, whose new functions the target
 * does not have.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "build/pipeline.h"
#include "util/xalloc.h"

struct presence_state {
	struct build_ctx *ctx;
	size_t show, found;
};

static bool presence_is_fn(const struct target_sym *y)
{
	return y->defined && y->type == STT_FUNC;
}

static const char *presence_file(const struct target *t,
				 const struct target_sym *y)
{
	return y->bind == STB_LOCAL && y->file >= 0 ? t->files[y->file] : "";
}

/* Whether @y is private to the binary: a static, or a hidden global,
 * which ld writes into an executable's .symtab as one or the other,
 * depending on how the objects were sectioned. */
static bool presence_private(const struct target_sym *y)
{
	return y->bind == STB_LOCAL ||
	       ELF64_ST_VISIBILITY(y->other) == STV_HIDDEN;
}

/* Whether @t has a function like @y of @from: same name, and for a
 * static the same file, unless one side has no STT_FILE symbols (strip
 * --strip-debug removes them). */
static bool presence_has(const struct target *t, const struct target *from,
			 const struct target_sym *y)
{
	const char *file = presence_file(from, y);

	for (size_t i = 0; i < t->nsyms; i++) {
		const struct target_sym *z = &t->syms[i];
		const char *zfile = presence_file(t, z);

		if (presence_is_fn(z) && !strcmp(z->name, y->name) &&
		    presence_private(z) == presence_private(y) &&
		    (!*file || !*zfile || !strcmp(zfile, file)))
			return true;
	}
	return false;
}

/* List the functions of @a that @b lacks, under @where. */
static void presence_one_way(struct presence_state *ps, const struct target *a,
			     const struct target *b, const char *where)
{
	for (size_t i = 0; i < a->nsyms; i++) {
		const struct target_sym *y = &a->syms[i];
		const char *file;

		if (!presence_is_fn(y) || presence_has(b, a, y))
			continue;
		if (ps->found++ >= ps->show)
			continue;
		file = presence_file(a, y);
		build_detail(ps->ctx, "  %s%s%s%s: only in %s", y->name,
			     *file ? " (" : "", file, *file ? ")" : "", where);
	}
}

/* Whether the link of the binary collected unused sections. */
static bool presence_gc_sections(const struct build_ctx *ctx)
{
	const struct cclog *log = ctx->tree[TREE_ORIG].cclog;

	for (size_t i = 0; i < log->n; i++)
		for (size_t k = 0;
		     log->cmds[i].kind == CC_LINK && k < log->cmds[i].argc; k++)
			if (strstr(log->cmds[i].argv[k], "gc-sections"))
				return true;
	return false;
}

size_t presence_check(struct build_ctx *ctx, size_t show)
{
	char *path =
	    xasprintf("%s/%s", ctx->tree[TREE_ORIG].root, ctx->binary);
	struct presence_state ps = {ctx, show, 0};
	struct error err = {{0}};
	struct target *rebuilt;

	/* Without the linked rebuild (no link command was recorded) only
	 * the code comparison can be made. */
	if (target_open(path, &rebuilt, &err))
		rebuilt = NULL;
	if (!rebuilt || !rebuilt->has_symtab) {
		build_note(ctx,
			   "no linked rebuild at %s to compare the sets "
			   "of functions with",
			   path);
		target_close(rebuilt);
		free(path);
		return 0;
	}
	if (!presence_gc_sections(ctx))
		presence_one_way(&ps, ctx->target, rebuilt, "the target");
	if (!ctx->base)
		presence_one_way(&ps, rebuilt, ctx->target,
				 "the rebuilt original");
	target_close(rebuilt);
	free(path);
	return ps.found;
}
