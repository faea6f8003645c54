/*
 * cacheinputs.c - what the original's build read outside its tree, so that
 * a built original is restored from the cache only while all of it is
 * unchanged (treecache.c; docs/DESIGN.md, "The build cache").
 *
 * The tree's key is computed before the build, from the tree, the command
 * and the environment; what else the build read is only known after it:
 *
 *   the headers and compiler programs of every compile, which the wrapper
 *   listed in its deps file (cachedeps.h);
 *   the compilers the log names;
 *   what the link of --binary read: it is run once more, into a scratch
 *   file, with -v (the programs: collect2, ld, the LTO plugin) and
 *   -Wl,--trace (every file the linker opened: crt files, libraries,
 *   linker scripts such as libc.so, and the shared libraries they name).
 *
 * Each becomes a record "dep:PATH" holding cache_dep_id() of the file;
 * treecache_restore re-reads every id and rebuilds if one differs.  A
 * stat per file is all a hit costs.  (There is no build cache with
 * --root: build.c.)
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/cachedeps.h"
#include "build/cacheinputs.h"
#include "build/spawn.h"
#include "util/file.h"
#include "util/xalloc.h"

/* Whether @path is a file of the scratch directory (the trees, suture's
 * header), which the tree's key covers or which changes every run. */
static bool cacheinputs_ours(const struct build_ctx *ctx, const char *path)
{
	char real[PATH_MAX];
	const char *p = realpath(path, real) ? real : path;

	return path_under(p, ctx->scratch) != NULL;
}

/* Read the wrapper's deps file of the orig tree into @d. */
static int cacheinputs_wrapper(const struct build_ctx *ctx, struct cachedeps *d,
			       struct error *err)
{
	char *path = cachedeps_path(ctx->tree[TREE_ORIG].cclog_path);
	char *save = NULL, *line;
	unsigned char *buf = NULL;
	size_t len;
	int ret = file_read(path, &buf, &len, err);

	for (line = ret ? NULL : strtok_r((char *)buf, "\n", &save);
	     line && !ret; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '?')
			ret = error_set(err, -EAGAIN,
					"what a compile read is unknown (%s)",
					line + 2);
		else if (line[0] && line[1] == ' ' && line[2])
			cachedeps_add(d, line[0], line + 2);
	}
	free(buf);
	free(path);
	return ret;
}

/* The link of @cmd again, output to @out, with -v and -Wl,--trace. */
static char **cacheinputs_link_argv(const struct cc_cmd *cmd, const char *out)
{
	char **a = xcalloc(cmd->argc + 4, sizeof(*a));
	size_t n = 0;

	a[n++] = cmd->compiler;
	for (size_t i = 1; i < cmd->argc; i++) {
		if (!strcmp(cmd->argv[i], "-o") && i + 1 < cmd->argc)
			i++;
		else if (strncmp(cmd->argv[i], "-o", 2))
			a[n++] = cmd->argv[i];
	}
	a[n++] = "-v";
	a[n++] = "-Wl,--trace";
	a[n++] = "-o";
	a[n++] = (char *)out;
	a[n] = NULL;
	return a;
}

/* The linker collect2 looks for: ld, or ld.NAME for -fuse-ld=NAME. */
static char *cacheinputs_ld(const struct cc_cmd *cmd)
{
	char *ld = xstrdup("ld");

	for (size_t i = 1; i < cmd->argc; i++)
		if (!strncmp(cmd->argv[i], "-fuse-ld=", 9)) {
			free(ld);
			ld = xasprintf("ld.%s", cmd->argv[i] + 9);
		}
	return ld;
}

/* A file the linker's --trace names on @line ("PATH", "ARCHIVE(MEMBER)",
 * "-lNAME (PATH)"), if it exists; a new string or NULL. */
static char *cacheinputs_traced(const struct cc_cmd *cmd, const char *line)
{
	const char *open = strrchr(line, '('), *end = line + strlen(line);
	char *path;

	if (open && end[-1] == ')' && open > line && open[-1] == ' ')
		path = xstrndup(open + 1, end - open - 2);
	else
		path = xstrndup(line, open && end[-1] == ')' ? open - line
							     : end - line);
	if (path[0] != '/') {
		char *abs = xasprintf("%s/%s", cmd->cwd, path);

		free(path);
		path = abs;
	}
	if (access(path, F_OK) < 0) { /* not a file name: a message */
		free(path);
		path = NULL;
	}
	return path;
}

/* What the link's -v and --trace output @text names. */
static void cacheinputs_trace(const struct cc_cmd *cmd, char *text,
			      struct cachedeps *d)
{
	char *ld = cacheinputs_ld(cmd), *save = NULL, *line, *path;

	cachedeps_driver(d, text, ld);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == ' ' || !line[0] || strchr(line, '='))
			continue;
		if ((path = cacheinputs_traced(cmd, line)))
			cachedeps_add(d, 'l', path);
		free(path);
	}
	free(ld);
}

/* Run the link of --binary again and add what it read to @d. */
static int cacheinputs_link(const struct build_ctx *ctx,
			    const struct cclog *log, struct cachedeps *d,
			    struct error *err)
{
	const struct build_tree *t = &ctx->tree[TREE_ORIG];
	char *bin = xasprintf("%s/%s", t->root, ctx->binary);
	char *out = xasprintf("%s/link-trace.out", ctx->scratch);
	char *logp = xasprintf("%s/link-trace.log", ctx->scratch), **argv;
	const struct cc_cmd *cmd = cclog_linker_of(log, bin);
	unsigned char *text = NULL;
	size_t len;
	pid_t pid;
	int ret;

	if (!cmd) {
		ret = error_set(err, -EAGAIN,
				"no compiler call linked %s, so what the link "
				"read is unknown",
				ctx->opts->binary);
		goto out_free;
	}
	argv = cacheinputs_link_argv(cmd, out);
	ret = build_spawn(ctx, argv, cmd->cwd, NULL, logp, &pid, err);
	if (!ret && (ret = spawn_wait(pid, argv[0], logp, err)) > 0)
		ret = error_set(err, -EAGAIN,
				"repeating the link of %s to list its inputs "
				"failed (its output: %s, which --keep keeps)",
				ctx->opts->binary, logp);
	if (!ret && !(ret = file_read(logp, &text, &len, err)))
		cacheinputs_trace(cmd, (char *)text, d);
	free(argv);
	free(text);
out_free:
	free(bin);
	free(out);
	free(logp);
	return ret;
}

/* The file whose modification time is the start of the orig build. */
static char *cacheinputs_marker(const struct build_ctx *ctx)
{
	return xasprintf("%s/cache-start", ctx->scratch);
}

void cacheinputs_start(const struct build_ctx *ctx)
{
	char *path = cacheinputs_marker(ctx);
	struct error err = {{0}};

	file_write_atomic(path, "", 0, &err);
	free(path);
}

/* Whether @st changed at or after @since (a file's status change time). */
static bool cacheinputs_after(const struct stat *st, const struct stat *since)
{
	return st->st_ctim.tv_sec > since->st_mtim.tv_sec ||
	       (st->st_ctim.tv_sec == since->st_mtim.tv_sec &&
		st->st_ctim.tv_nsec >= since->st_mtim.tv_nsec);
}

/*
 * Refuse to keep an original when one of its inputs @d changed (or
 * appeared) while it was being built: its objects may have read either
 * version, and the identity recorded now would vouch for the new one.
 */
static int cacheinputs_settled(const struct build_ctx *ctx,
			       const struct cachedeps *d, struct error *err)
{
	char *marker = cacheinputs_marker(ctx);
	struct stat since, st;
	int ret = 0;

	if (stat(marker, &since) < 0)
		ret = error_set(err, -EAGAIN, "%s is missing", marker);
	for (size_t i = 0; i < d->n && !ret; i++)
		if (d->items[i][0] != 'x' && stat(d->items[i] + 1, &st) == 0 &&
		    cacheinputs_after(&st, &since))
			ret = error_set(err, -EAGAIN,
					"%s changed while the original was "
					"being built",
					d->items[i] + 1);
	free(marker);
	return ret;
}

int cacheinputs_list(const struct build_ctx *ctx, const struct cclog *log,
		     struct cachedeps *d, struct error *err)
{
	int ret = cacheinputs_wrapper(ctx, d, err);

	for (size_t i = 0; i < log->n && !ret; i++)
		if (*log->cmds[i].compiler)
			cachedeps_add(d, 't', log->cmds[i].compiler);
	if (!ret)
		ret = cacheinputs_link(ctx, log, d, err);
	for (size_t i = 0; i < d->n; i++)
		if (cacheinputs_ours(ctx, d->items[i] + 1))
			d->items[i][0] = 'x'; /* not a dependency */
	cachedeps_sort(d);
	return ret ? ret : cacheinputs_settled(ctx, d, err);
}

const char *cacheinputs_changed(const struct build_ctx *ctx,
				const struct cache_entry *e)
{
	for (size_t i = 0; i < e->n; i++) {
		const struct cache_rec *r = &e->recs[i];
		char *id;
		bool same;

		if (strncmp(r->name, "dep:", 4))
			continue;
		id = cache_dep_id(r->name + 4);
		same = strlen(id) == r->len && !memcmp(id, r->data, r->len);
		free(id);
		if (!same)
			return r->name + 4;
	}
	return NULL;
}
