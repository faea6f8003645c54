/*
 * record.c - stage 8: the build record stored in the patch (patch.info).
 *
 * Whoever applies a patch months later should be able to tell how it was
 * made: with which compiler, by which commands, from which diffs (their
 * full text), and what the comparison found.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/pipeline.h"
#include "build/spawn.h"
#include "util/file.h"
#include "util/xalloc.h"

/* A JSON string of @len bytes; bytes that are not UTF-8 become '?'. */
static json_t *record_text(const char *text, size_t len)
{
	json_t *j = json_stringn(text, len);
	char *copy;

	if (j)
		return j;
	copy = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++)
		copy[i] = (unsigned char)text[i] < 0x80 ? text[i] : '?';
	j = json_stringn(copy, len);
	free(copy);
	return j;
}

/* The compiler of the first compile command of the orig build. */
static const char *record_compiler(const struct build_ctx *ctx)
{
	const struct cclog *log = ctx->tree[TREE_ORIG].cclog;

	for (size_t i = 0; i < log->n; i++)
		if (log->cmds[i].kind == CC_COMPILE)
			return log->cmds[i].compiler;
	return log->n ? log->cmds[0].compiler : "";
}

static json_t *record_compiler_json(const struct build_ctx *ctx)
{
	const struct build_tree *t = &ctx->tree[TREE_ORIG];
	const char *path = record_compiler(ctx);
	char *argv[] = {(char *)path, "--version", NULL};
	char *version = build_capture(ctx, argv);
	json_t *j;

	j = json_pack(
	    "{s:s, s:s, s:s, s:s}", "path", path, "version",
	    version ? version : "", "target_comment",
	    ctx->target->comment ? ctx->target->comment : "", "objects_comment",
	    t->nobjs && t->objs[0]->comment ? t->objs[0]->comment : "");
	free(version);
	return j;
}

/* @arg with the orig tree's scratch path replaced by the source tree's,
 * as the prefix map does for __FILE__: the record names no scratch path. */
static json_t *record_arg(const struct build_ctx *ctx, const char *arg)
{
	const char *root = ctx->tree[TREE_ORIG].root;
	const char *at = strstr(arg, root), *in = path_under(arg, ctx->scratch);
	char *fixed;
	json_t *j;

	/* A compiler wrapper (SCRATCH/bin/NAME, run.c), called by its path
	 * where a configure step found it on PATH (CMake does): recorded by
	 * its name, as a build that called it by name is. */
	if (in && !strncmp(in, "bin/", 4) && !strchr(in + 4, '/'))
		return json_string(in + 4);
	if (!at)
		return json_string(arg);
	fixed = xasprintf("%.*s%s%s", (int)(at - arg), arg, ctx->src_real,
			  at + strlen(root));
	j = json_string(fixed);
	free(fixed);
	return j;
}

static json_t *record_argv(const struct build_ctx *ctx, char *const *argv,
			   size_t argc)
{
	json_t *arr = json_array();

	for (size_t k = 0; k < argc && argv[k]; k++)
		json_array_append_new(arr, record_arg(ctx, argv[k]));
	return arr;
}

/* Each object linked into the binary and the command that compiled it:
 * the exact flags every piece of the running code was made with. */
static json_t *record_objects(const struct build_ctx *ctx)
{
	const struct build_tree *t = &ctx->tree[TREE_ORIG];
	json_t *arr = json_array();

	for (size_t i = 0; i < t->nobjs; i++) {
		const struct objfile *o = t->objs[i];
		char *abs = xasprintf("%s/%s", t->root, o->key);
		const struct cc_cmd *c = cclog_producer(t->cclog, abs);

		json_array_append_new(
		    arr, json_pack("{s:s, s:s, s:o}", "object", o->key,
				   "source", o->source ? o->source : "", "argv",
				   c ? record_argv(ctx, c->argv, c->argc)
				     : json_array()));
		free(abs);
	}
	return arr;
}

static json_t *record_build_command(const struct build_ctx *ctx)
{
	char *const *cmd = build_command(ctx);

	return record_argv(ctx, cmd, SIZE_MAX);
}

/* Commands in an order of their own: cwd, then arguments.  The log's is
 * the order a parallel build happened to finish them in, and the patch
 * must not depend on it. */
static int record_cmd_cmp(const void *a, const void *b)
{
	const struct cc_cmd *x = *(const struct cc_cmd *const *)a;
	const struct cc_cmd *y = *(const struct cc_cmd *const *)b;
	int c = strcmp(x->cwd, y->cwd);

	for (size_t i = 0; !c && (i < x->argc || i < y->argc); i++)
		c = i >= x->argc   ? -1
		    : i >= y->argc ? 1
				   : strcmp(x->argv[i], y->argv[i]);
	return c;
}

/* Compile and link commands, with paths relative to the tree. */
static json_t *record_commands(const struct build_ctx *ctx)
{
	const struct build_tree *t = &ctx->tree[TREE_ORIG];
	const struct cc_cmd **cmds = xcalloc(t->cclog->n + 1, sizeof(*cmds));
	size_t rl = strlen(t->root), n = 0;
	json_t *arr = json_array();

	for (size_t i = 0; i < t->cclog->n; i++)
		if (t->cclog->cmds[i].kind != CC_OTHER)
			cmds[n++] = &t->cclog->cmds[i];
	qsort(cmds, n, sizeof(*cmds), record_cmd_cmp);
	for (size_t i = 0; i < n; i++) {
		const char *cwd = cmds[i]->cwd;

		if (!strncmp(cwd, t->root, rl))
			cwd = cwd[rl] ? cwd + rl + 1 : ".";
		json_array_append_new(
		    arr,
		    json_pack("{s:s, s:o}", "cwd", cwd, "argv",
			      record_argv(ctx, cmds[i]->argv, cmds[i]->argc)));
	}
	free(cmds);
	return arr;
}

/* Every diff the patched source state comes from: the base patch's
 * (suture build --on), then this patch's own. */
static json_t *record_diffs(const struct build_ctx *ctx, struct error *err)
{
	json_t *arr = base_diffs_json(ctx);

	for (size_t i = 0; i < ctx->opts->npatches; i++) {
		const char *path = ctx->opts->patches[i];
		const char *base = strrchr(path, '/');
		unsigned char *buf;
		size_t len;

		if (file_read(path, &buf, &len, err)) {
			json_decref(arr);
			return NULL;
		}
		json_array_append_new(
		    arr, json_pack("{s:s, s:o}", "file", base ? base + 1 : path,
				   "text", record_text((char *)buf, len)));
		free(buf);
	}
	return arr;
}

/* The functions in @state, as [{"name", "file"}]. */
static json_t *record_fns(const struct build_ctx *ctx, int state, bool needed)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < ctx->nfns; i++) {
		const struct fn_result *f = &ctx->fns[i];
		const struct objfile *o = f->obj;

		/* state -1: every function copied only because it is needed */
		if ((state >= 0 && (int)f->state != state) ||
		    f->needed != needed)
			continue;
		json_array_append_new(
		    arr, json_pack("{s:s, s:s, s:b, s:b}", "name",
				   o->syms[f->sym].name, "file",
				   o->source ? o->source : o->key, "in_target",
				   f->tsym != NULL, "cold", f->cold));
	}
	return arr;
}

int record_info(struct build_ctx *ctx, struct error *err)
{
	json_t *diffs = record_diffs(ctx, err);
	json_t *j;

	if (!diffs)
		return -EIO;
	j = json_pack(
	    "{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s*, s:o, s:o, s:o, "
	    "s:o, s:o, s:I, s:I}",
	    "tool", "suture build", "source_dir", ctx->src_real, "binary",
	    ctx->opts->binary, "compiler", record_compiler_json(ctx),
	    "build_command", record_build_command(ctx), "objects",
	    record_objects(ctx), "packages",
	    packages_json(ctx, record_compiler(ctx)), "commands",
	    record_commands(ctx), "root", ctx->opts->root, "diffs", diffs,
	    "changed", record_fns(ctx, FN_CHANGED, false), "new",
	    record_fns(ctx, FN_NEW, false), "copied", record_fns(ctx, -1, true),
	    "line_only", record_fns(ctx, FN_LINE_ONLY, false),
	    "unchanged_rebuilt_count", (json_int_t)ctx->nunchanged,
	    "verified_functions", (json_int_t)ctx->nverified);
	if (!j)
		return error_set(err, -ENOMEM,
				 "cannot build the patch's "
				 "build record (JSON)");
	json_object_set_new(j, "data_check", data_check_json(ctx));
	json_object_set_new(j, "clean",
			    ctx->opts->clean ? json_string(ctx->opts->clean)
					     : json_null());
	ctx->patch->info = j;
	return 0;
}
