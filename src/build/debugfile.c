/*
 * debugfile.c - the target's symbols, from the target itself or from its
 * separate debug file.
 *
 * suture needs the target's symbol table (link-time addresses of every
 * function and variable, statics included); its DWARF is optional (it only
 * explains a mismatch).  Distributions ship binaries stripped and keep the
 * symbols in a separate debug file, found the way gdb finds it: given
 * (--debug-file), by build id (DEBUG_DIR/.build-id/xx/yyyy.debug), or by
 * the name in the binary's .gnu_debuglink next to it, in its .debug/
 * directory or under DEBUG_DIR.  A debug file is used only if its build id
 * is the target's (target_add_debug).
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/pipeline.h"
#include "util/xalloc.h"

/* Where distributions install debug files. */
static const char debug_dir[] = "/usr/lib/debug";

/* DEBUG_DIR/.build-id/xx/yyyy.debug for @t, under @root ("" for /). */
static char *debugfile_by_id(const struct target *t, const char *root)
{
	char hex[2 * PATCH_BUILD_ID_MAX + 1];

	for (size_t i = 0; i < t->build_id_len; i++)
		sprintf(hex + 2 * i, "%02x", t->build_id[i]);
	return xasprintf("%s%s/.build-id/%.2s/%s.debug", root, debug_dir, hex,
			 hex + 2);
}

/* The first existing file of the .gnu_debuglink search, or NULL. */
static char *debugfile_by_link(const struct target *t, const char *root)
{
	char *copy = xstrdup(t->path);
	const char *dir = dirname(copy);
	char *cand[] = {
	    xasprintf("%s/%s", dir, t->debuglink),
	    xasprintf("%s/.debug/%s", dir, t->debuglink),
	    xasprintf("%s%s/%s/%s", root, debug_dir, dir, t->debuglink),
	};
	char *found = NULL;

	for (size_t i = 0; i < sizeof(cand) / sizeof(*cand); i++) {
		/* The binary names itself when it was not really stripped. */
		if (!found && strcmp(cand[i], t->path) &&
		    access(cand[i], R_OK) == 0)
			found = xstrdup(cand[i]);
		free(cand[i]);
	}
	free(copy);
	return found;
}

/* The separate debug file of stripped @t that exists, or NULL. */
static char *debugfile_search(const struct build_ctx *ctx)
{
	const char *root = ctx->opts->root ? ctx->opts->root : "";
	const struct target *t = ctx->target;
	char *path = debugfile_by_id(t, root);

	if (access(path, R_OK) == 0)
		return path;
	free(path);
	if (*root) { /* also the host's, for a target made outside */
		path = debugfile_by_id(t, "");
		if (access(path, R_OK) == 0)
			return path;
		free(path);
	}
	return t->debuglink ? debugfile_by_link(t, root) : NULL;
}

int debugfile_attach(struct build_ctx *ctx, struct error *err)
{
	struct target *t = ctx->target;
	char *found;
	int ret;

	if (!t->build_id_len)
		return error_set(err, -EINVAL,
				 "%s has no GNU build id (NT_GNU_BUILD_ID), so "
				 "a patch could not be bound to it; link it "
				 "with -Wl,--build-id",
				 t->path);
	if (ctx->opts->debug_file)
		return target_add_debug(t, ctx->opts->debug_file, err);
	if (t->has_symtab)
		return 0;
	found = debugfile_search(ctx);
	if (!found)
		return error_set(err, -EINVAL,
				 "target is stripped: %s has no .symtab and no "
				 "separate debug file was found (by build id "
				 "under %s/.build-id or by .gnu_debuglink), so "
				 "its static functions and variables cannot "
				 "be found; give --debug-file FILE or point "
				 "--target at the unstripped file",
				 t->path, debug_dir);
	ret = target_add_debug(t, found, err);
	if (!ret)
		build_note(ctx, "symbols of %s from %s", t->path, found);
	free(found);
	return ret;
}
