/*
 * tree.c - stage 1: the scratch copies of the source tree.
 *
 * The user's tree is never modified and its build products are never
 * reused: both copies are rebuilt from scratch by the same compiler with the
 * same options, so that any difference between their objects comes from the
 * diff alone.  A copy is the tree as it is minus its build products
 * (products.c says which), minus CMake and meson build directories
 * (builddir.h), minus what the tree's own clean step removes
 * (--clean, run in both copies before the diffs are applied, so that
 * both are cleaned alike).  Modification times are kept so that make does
 * not regenerate files (configure output, generated sources) that were up
 * to date in the user's tree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/builddir.h"
#include "build/pipeline.h"
#include "build/spawn.h"
#include "util/file.h"
#include "util/xalloc.h"

static int tree_copy_file(const char *src, const char *dst,
			  const struct stat *st, struct error *err)
{
	int in, out, ret = 0;
	char buf[65536];
	ssize_t n;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return error_set(err, -errno, "cannot read %s: %s", src,
				 strerror(errno));
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		   st->st_mode & 07777);
	if (out < 0) {
		ret = error_set(err, -errno, "cannot create %s: %s", dst,
				strerror(errno));
		goto out_close_in;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			n = -1;
			break;
		}
	if (n < 0)
		ret = error_set(err, -EIO, "cannot copy %s to %s: %s", src, dst,
				strerror(errno));
	close(out);
out_close_in:
	close(in);
	return ret;
}

static int tree_copy_dir(const char *src, const char *dst, struct error *err);

/* Copy one directory entry @name of @src into @dst. */
static int tree_copy_entry(const char *src, const char *dst, const char *name,
			   struct error *err)
{
	char *s = xasprintf("%s/%s", src, name);
	char *d = xasprintf("%s/%s", dst, name);
	char link[PATH_MAX];
	struct stat st;
	ssize_t n;
	int ret = 0;

	if (lstat(s, &st) < 0) {
		ret = error_set(err, -errno, "cannot stat %s: %s", s,
				strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		/* A CMake or meson build directory is configuration: each
		 * copy gets a fresh one (builddir.h). */
		if (!builddir_kind(s))
			ret = tree_copy_dir(s, d, err);
	} else if (S_ISLNK(st.st_mode)) {
		/* A link to a build product (libfoo.so -> libfoo.so.1) is
		 * itself a product: the build recreates it. */
		n = readlink(s, link, sizeof(link) - 1);
		if (n >= 0 && !product_file(s)) {
			link[n] = '\0';
			if (symlink(link, d) < 0)
				ret = error_set(err, -errno,
						"cannot create %s: %s", d,
						strerror(errno));
		}
	} else if (S_ISREG(st.st_mode) && !product_file(s)) {
		ret = tree_copy_file(s, d, &st, err);
		if (!ret)
			utimensat(AT_FDCWD, d,
				  (struct timespec[]){st.st_atim, st.st_mtim},
				  0);
	}
	free(s);
	free(d);
	return ret;
}

static int tree_copy_dir(const char *src, const char *dst, struct error *err)
{
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int ret = 0;

	if (stat(src, &st) < 0 || mkdir(dst, (st.st_mode & 07777) | 0700) < 0)
		return error_set(err, -errno, "cannot copy directory %s: %s",
				 src, strerror(errno));
	dir = opendir(src);
	if (!dir)
		return error_set(err, -errno, "cannot read directory %s: %s",
				 src, strerror(errno));
	while (!ret && (de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".git") || product_dir(de->d_name))
			continue;
		ret = tree_copy_entry(src, dst, de->d_name, err);
	}
	closedir(dir);
	if (!ret)
		utimensat(AT_FDCWD, dst,
			  (struct timespec[]){st.st_atim, st.st_mtim}, 0);
	return ret;
}

/* Apply @diff to copy @t with patch(1); @n numbers its log. */
static int tree_apply(struct build_ctx *ctx, int t, const char *diff, size_t n,
		      struct error *err)
{
	char real[PATH_MAX];
	char *log = xasprintf("%s/patch-%s-%zu.log", ctx->scratch,
			      ctx->tree[t].label, n);
	char *argv[] = {"patch", "-p1", "--batch", "--forward",
			"-i",	 real,	NULL};
	int ret;

	if (!realpath(diff, real)) {
		ret = error_set(err, -errno, "cannot read patch %s: %s", diff,
				strerror(errno));
		goto out_free;
	}
	ret = spawn_run(argv, ctx->tree[t].root, NULL, log, err);
	if (ret > 0) {
		char *tail = spawn_log_tail(log, 30, 4000);

		build_detail(ctx, "patch -p1 --batch --forward said:\n%s",
			     tail);
		free(tail);
		ret = error_set(err, -EINVAL,
				"%s does not apply to %s (patch exited with "
				"status %d)",
				diff, ctx->src_real, ret);
	}
out_free:
	free(log);
	return ret;
}

/*
 * Run the tree's clean step (--clean) in copy @t, as the build will run
 * (inside --root if given), and refuse if it fails: a copy half cleaned
 * would build from what the clean step was meant to remove.
 */
static int tree_clean(struct build_ctx *ctx, int t, struct error *err)
{
	struct build_tree *bt = &ctx->tree[t];
	char *argv[] = {"sh", "-c", (char *)ctx->opts->clean, NULL};
	char *log = xasprintf("%s/clean-%s.log", ctx->scratch, bt->label);
	pid_t pid;
	int ret = build_spawn(ctx, argv, bt->root, NULL, log, &pid, err);

	if (!ret)
		ret = spawn_wait(pid, "sh", log, err);
	if (ret > 0) {
		char *tail = spawn_log_tail(log, 25, 3000);

		build_detail(ctx, "last lines of %s:\n%s", log, tail);
		free(tail);
		ret = error_set(err, -EINVAL,
				"the clean step (--clean '%s') failed in the "
				"%s copy (exit status %d)",
				ctx->opts->clean, bt->label, ret);
	}
	free(log);
	return ret;
}

/* Create the scratch directory, outside the source tree (which it would
 * otherwise copy into itself, and which suture never modifies). */
static int tree_scratch(struct build_ctx *ctx, struct error *err)
{
	const char *tmp = getenv("TMPDIR");
	char real[PATH_MAX];
	char *templ;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (!realpath(tmp, real))
		return error_set(err, -errno, "cannot use TMPDIR %s: %s", tmp,
				 strerror(errno));
	if (path_under(real, ctx->src_real))
		return error_set(err, -EINVAL,
				 "the scratch directory would lie inside the "
				 "source tree %s (TMPDIR=%s); set TMPDIR to a "
				 "directory outside it",
				 ctx->src_real, tmp);
	templ = xasprintf("%s/suture-build.XXXXXX", real);
	if (!mkdtemp(templ)) {
		int ret = error_set(err, -errno,
				    "cannot create a scratch directory %s: %s",
				    templ, strerror(errno));
		free(templ);
		return ret;
	}
	ctx->scratch = templ;
	build_note(ctx, "scratch directory: %s", ctx->scratch);
	return 0;
}

int tree_prepare(struct build_ctx *ctx, struct error *err)
{
	int ret;

	if ((ret = tree_scratch(ctx, err)))
		return ret;
	for (int t = 0; t < TREE_COUNT; t++) {
		struct build_tree *bt = &ctx->tree[t];

		bt->root = xasprintf("%s/%s", ctx->scratch, bt->label);
		bt->log_path = xasprintf("%s/%s.log", ctx->scratch, bt->label);
		bt->cclog_path =
		    xasprintf("%s/%s.cclog", ctx->scratch, bt->label);
		if ((ret = tree_copy_dir(ctx->src_real, bt->root, err)) ||
		    (ctx->opts->clean && (ret = tree_clean(ctx, t, err))))
			return ret;
	}
	if ((ret = base_write_diffs(ctx, err)))
		return ret;
	/* The base patch's diffs go into both copies, the new ones only
	 * into the patched copy. */
	for (size_t i = 0; i < ctx->nbase_diffs; i++)
		for (int t = 0; t < TREE_COUNT; t++)
			if ((ret = tree_apply(ctx, t, ctx->base_diffs[i], i + 1,
					      err)))
				return ret;
	for (size_t i = 0; i < ctx->opts->npatches; i++)
		if ((ret = tree_apply(ctx, TREE_PATCHED, ctx->opts->patches[i],
				      ctx->nbase_diffs + i + 1, err)))
			return ret;
	return 0;
}
