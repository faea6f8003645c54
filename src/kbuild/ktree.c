/*
 * ktree.c - the scratch work tree the kernel objects are built in.
 *
 * The prepared tree (configured, modules_prepare done, Module.symvers) is
 * shared and never written: the build runs in an overlay mount whose upper
 * layer is in the scratch directory, so it starts instantly and every file
 * make writes lands in the scratch.  Where mounting is not allowed (no
 * privilege) the tree is copied instead, keeping modification times so
 * that make does not redo what the preparation did.  One work tree serves
 * both builds: the original objects are built and set aside first, then
 * the diff is applied and the same objects built again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/spawn.h"
#include "kbuild/kbuild.h"
#include "util/file.h"
#include "util/xalloc.h"

static int ktree_mkdir(const char *path, struct error *err)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return error_set(err, -errno, "cannot create %s: %m", path);
	return 0;
}

static bool ktree_overlay(struct kbuild_ctx *ctx)
{
	char *upper = xasprintf("%s/upper", ctx->scratch);
	char *wk = xasprintf("%s/ovl", ctx->scratch);
	char *o = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s",
			    ctx->opts->src, upper, wk);
	bool ok = !mkdir(upper, 0755) && !mkdir(wk, 0755) &&
		  !mount("overlay", ctx->work, "overlay", 0, o);

	free(upper);
	free(wk);
	free(o);
	return ok;
}

int ktree_prepare(struct kbuild_ctx *ctx, struct error *err)
{
	const char *parent =
	    ctx->opts->scratch ? ctx->opts->scratch : "/var/tmp";
	char *tmpl = xasprintf("%s/suture-kbuild.XXXXXX", parent);
	char *cp[] = {"cp", "-a", NULL, NULL, NULL};
	int ret;

	if (!mkdtemp(tmpl)) {
		ret = error_set(err, -errno,
				"cannot create a scratch "
				"directory in %s: %m",
				parent);
		free(tmpl);
		return ret;
	}
	ctx->scratch = tmpl;
	ctx->work = xasprintf("%s/work", tmpl);
	if ((ret = ktree_mkdir(ctx->work, err)))
		return ret;
	if (ktree_overlay(ctx)) {
		ctx->mounted = true;
		return 0;
	}
	rmdir(ctx->work);
	cp[2] = xasprintf("%s/.", ctx->opts->src);
	cp[3] = ctx->work;
	ret = kbuild_run_tool(ctx, cp, ctx->scratch, "copying the kernel tree",
			      err);
	free(cp[2]);
	return ret;
}

int ktree_apply(struct kbuild_ctx *ctx, struct error *err)
{
	char *argv[] = {"patch", "-p1", "--batch", "--forward",
			"-i",	 NULL,	NULL};
	char real[4096];

	if (!realpath(ctx->opts->diff, real))
		return error_set(err, -errno, "cannot open the diff %s: %m",
				 ctx->opts->diff);
	argv[5] = real;
	return kbuild_run_tool(ctx, argv, ctx->work,
			       "applying the diff to the kernel tree", err);
}

void ktree_release(struct kbuild_ctx *ctx)
{
	if (ctx->mounted && !umount2(ctx->work, MNT_DETACH))
		ctx->mounted = false;
}

void ktree_remove(struct kbuild_ctx *ctx)
{
	ktree_release(ctx);
	/* never remove through a mount we failed to undo */
	if (ctx->scratch && !ctx->opts->keep && !ctx->mounted)
		file_remove_tree(ctx->scratch);
}

int kbuild_run_tool(struct kbuild_ctx *ctx, char *const *argv, const char *cwd,
		    const char *what, struct error *err)
{
	char *log = xasprintf("%s/build.log", ctx->scratch);
	int st = spawn_run(argv, cwd, NULL, log, err);
	char *tail;

	if (st > 0) {
		tail = spawn_log_tail(log, 20, 4000);
		build_detail(&ctx->engine, "%s", tail);
		free(tail);
		st = error_set(err, -EIO,
			       "%s failed (exit status %d; the "
			       "end of %s is below)",
			       what, st, log);
	}
	free(log);
	return st;
}
