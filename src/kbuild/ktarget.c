/*
 * ktarget.c - which object of the running kernel the diff patches.
 *
 * An object of the tree is built into vmlinux or into a module.  The module
 * file in the image's /lib/modules tree is found by the object's functions:
 * a module of the same directory that defines every one of them.  Without
 * such a module the object is vmlinux's (the -dbg package's vmlinux, whose
 * symbols and bytes the comparison reads).  A diff whose objects are in
 * different places is refused: one patch, one klp_object, for now.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kbuild/kbuild.h"
#include "util/xalloc.h"

/* Whether @t defines every function @o defines (at least one). */
static bool ktarget_has_all(const struct target *t, const struct objfile *o)
{
	size_t want = 0;

	for (size_t i = 0; i < o->nsyms; i++) {
		const struct obj_symbol *y = &o->syms[i];
		bool found = false;

		if (y->type != STT_FUNC || !obj_sym_defined(o, y))
			continue;
		want++;
		for (size_t k = 0; !found && k < t->nsyms; k++)
			found = t->syms[k].defined &&
				t->syms[k].type == STT_FUNC &&
				!strcmp(t->syms[k].name, y->name);
		if (!found)
			return false;
	}
	return want > 0;
}

/* The module of directory @dir (of the image's modules) holding @o: its
 * path, or NULL. */
static char *ktarget_module(const struct kbuild_ctx *ctx, const char *dir,
			    const struct objfile *o)
{
	char *mdir = xasprintf("%s/kernel/%s", ctx->opts->modules, dir);
	DIR *d = opendir(mdir);
	struct dirent *de;
	char *found = NULL;

	while (d && !found && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char *path = xasprintf("%s/%s", mdir, de->d_name);
		struct error err = {{0}};
		struct target *t;

		if (n > 3 && !strcmp(de->d_name + n - 3, ".ko") &&
		    !target_open(path, &t, &err)) {
			if (ktarget_has_all(t, o))
				found = xstrdup(path);
			target_close(t);
		}
		free(path);
	}
	if (d)
		closedir(d);
	free(mdir);
	return found;
}

/* The klp object name of module file @path: its base name, less .ko, with
 * the dashes the kernel turns into underscores. */
static char *ktarget_modname(const char *path)
{
	const char *base = strrchr(path, '/');
	char *name = xstrdup(base ? base + 1 : path);

	name[strlen(name) - 3] = '\0';
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
	return name;
}

/* Where object @k (its original build, @o) lives: *path NULL: vmlinux. */
static char *ktarget_where(const struct kbuild_ctx *ctx, const struct kobj *k,
			   const struct objfile *o)
{
	const char *slash = strrchr(k->target, '/');
	char *dir =
	    xasprintf("%.*s", slash ? (int)(slash - k->target) : 0, k->target);
	char *path = ctx->opts->modules ? ktarget_module(ctx, dir, o) : NULL;

	free(dir);
	return path;
}

static int ktarget_agree(struct kbuild_ctx *ctx, const struct kobj *k,
			 char *path, struct error *err)
{
	const char *want = path ? path : ctx->opts->vmlinux;

	if (!ctx->target) {
		ctx->target = xstrdup(want);
		ctx->objname =
		    path ? ktarget_modname(path) : xstrdup("vmlinux");
		free(path);
		return 0;
	}
	free(path);
	if (!strcmp(ctx->target, want))
		return 0;
	return error_set(err, -EINVAL,
			 "the diff changes objects of %s and of %s (%s): "
			 "suture kbuild makes a patch for one object of the "
			 "kernel at a time; split the diff",
			 ctx->target, want, k->source);
}

int ktarget_find(struct kbuild_ctx *ctx, struct error *err)
{
	struct build_tree *t = &ctx->engine.tree[TREE_ORIG];
	int ret = 0;

	for (size_t i = 0; !ret && i < ctx->nobjs; i++)
		ret = ktarget_agree(
		    ctx, &ctx->objs[i],
		    ktarget_where(ctx, &ctx->objs[i], t->objs[i]), err);
	if (ret)
		return ret;
	ctx->engine.target_path = xstrdup(ctx->target);
	ctx->engine.binary = xstrdup(ctx->objname);
	return target_open(ctx->target, &ctx->engine.target, err);
}
