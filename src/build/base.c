/*
 * base.c - building on another patch (suture build --on FILE).
 *
 * A stacked patch is made from the source state of the patch it builds on:
 * the original tree plus every diff that patch was built from, which its
 * build record carries.  Both scratch trees get those diffs first; the
 * comparison then sees only what the new diffs change.  The running binary
 * still has its original code, except for the functions the base patch
 * replaced: once the base is applied, the base's code runs there, so the
 * reproducibility check compares those with the base patch's copy
 * (base_running).  That copy is the base build's patched object, which our
 * orig tree (the same sources) must reproduce just as it must reproduce
 * the target's other functions.  Only the functions whose mere __LINE__
 * constants the base's diffs shifted cannot be checked: the target runs
 * their original code, our tree has the shifted lines.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/pipeline.h"
#include "patchfile/patchfile.h"
#include "util/file.h"
#include "util/xalloc.h"

int base_load(struct build_ctx *ctx, struct error *err)
{
	const struct target *t = ctx->target;
	int ret;

	if (!ctx->opts->on)
		return 0;
	if ((ret = patchfile_read(ctx->opts->on, &ctx->base, err)))
		return ret;
	patch_info_load(ctx->base); /* its diffs and line-only functions */
	if (ctx->base->build_id_len != t->build_id_len ||
	    memcmp(ctx->base->build_id, t->build_id, t->build_id_len))
		return error_set(err, -EINVAL,
				 "%s was built for another binary than %s "
				 "(build-ids differ)",
				 ctx->opts->on, ctx->target_path);
	return 0;
}

/* Write diff @i (@text) of the base patch into the scratch directory. */
static int write_one(struct build_ctx *ctx, size_t i, const char *text,
		     struct error *err)
{
	char *path = xasprintf("%s/base-%zu.diff", ctx->scratch, i + 1);
	int ret = file_write_atomic(path, text, strlen(text), err);

	if (ret) {
		free(path);
		return ret;
	}
	ctx->base_diffs[ctx->nbase_diffs++] = path;
	return 0;
}

int base_write_diffs(struct build_ctx *ctx, struct error *err)
{
	json_t *diffs, *d;
	size_t i;
	int ret = 0;

	if (!ctx->base)
		return 0;
	diffs = json_object_get(ctx->base->info, "diffs");
	if (!json_array_size(diffs))
		return error_set(err, -EINVAL,
				 "%s carries no source diffs to build on",
				 ctx->opts->on);
	ctx->base_diffs = xcalloc(json_array_size(diffs), sizeof(char *));
	json_array_foreach(diffs, i, d)
	{
		const char *text =
		    json_string_value(json_object_get(d, "text"));

		if (!text) {
			ret = error_set(err, -EINVAL,
					"%s has a malformed "
					"source diff",
					ctx->opts->on);
			break;
		}
		if ((ret = write_one(ctx, i, text, err)))
			break;
	}
	return ret;
}

/* Whether the base patch's record lists @name among the functions whose
 * only change was a __LINE__ constant (reported, not replaced). */
static bool base_line_only(const struct build_ctx *ctx, const char *name)
{
	json_t *fns = json_object_get(ctx->base->info, "line_only"), *f;
	bool found = false;
	size_t i;

	json_array_foreach(fns, i, f)
	{
		const char *n = json_string_value(json_object_get(f, "name"));
		found |= n && !strcmp(n, name);
	}
	return found;
}

/* The base patch's replacement for the target's function at @addr, or
 * NULL if it replaces none there. */
static const struct patch_symbol *base_replacement(const struct patch *base,
						   uint64_t addr)
{
	for (size_t i = 0; i < base->nfuncs; i++)
		if (base->funcs[i].old_addr == addr &&
		    base->funcs[i].new_symbol < base->nsymbols)
			return &base->symbols[base->funcs[i].new_symbol];
	return NULL;
}

bool base_running(const struct build_ctx *ctx, const struct target_sym *ts,
		  const char *name, struct base_code *out)
{
	const struct patch_symbol *y =
	    ctx->base ? base_replacement(ctx->base, ts->value) : NULL;
	const struct patch_section *s;

	*out =
	    (struct base_code){target_bytes(ctx->target, ts->value, ts->size),
			       ts->size, "the target", true};
	if (!y) /* the original runs, unless its __LINE__s moved */
		return !ctx->base || !base_line_only(ctx, name);
	s = y->section < ctx->base->nsections ? &ctx->base->sections[y->section]
					      : NULL;
	out->bytes = s && s->data && y->value + y->size <= s->size
			 ? s->data + y->value
			 : NULL;
	out->size = y->size;
	out->own = false;
	snprintf(out->where, sizeof(out->where), "patch '%s'", ctx->base->name);
	return true;
}

void base_stamp(struct build_ctx *ctx)
{
	if (!ctx->base)
		return;
	strcpy(ctx->patch->on, ctx->base->name);
	strcpy(ctx->patch->on_id, ctx->base->id);
}

json_t *base_diffs_json(const struct build_ctx *ctx)
{
	json_t *diffs;

	if (!ctx->base)
		return json_array();
	diffs = json_incref(json_object_get(ctx->base->info, "diffs"));
	return diffs ? diffs : json_array();
}
