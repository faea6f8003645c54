/*
 * kdiff.c - what a kernel diff touches.
 *
 * The names of suture.h a diff uses must be ones include/suture-klp.h maps
 * onto livepatch (callbacks, klp_shadow_*); any other is refused by name,
 * rather than left to a compile error or a near miss.  Only .c files are
 * accepted: each makes one object that kmake.c builds before and after the
 * diff.  A header or a Makefile may change any number of objects, which
 * building the named files alone would not see, so such a diff is refused
 * rather than half compared.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbuild/kbuild.h"
#include "util/xalloc.h"

/* The names of suture.h that suture-klp.h maps. */
static const char *const kdiff_mapped[] = {
    "SUTURE_PRE_APPLY",	  "SUTURE_POST_APPLY",
    "SUTURE_PRE_REVERT",  "SUTURE_POST_REVERT",
    "suture_shadow_get",  "suture_shadow_get_or_alloc",
    "suture_shadow_free", "suture_shadow_free_all",
};

/* Whether identifier @id (@n bytes) is one of suture.h's. */
static bool kdiff_suture_name(const char *id, size_t n)
{
	return (n > 7 && !strncmp(id, "SUTURE_", 7)) ||
	       (n > 14 && !strncmp(id, "suture_shadow_", 14)) ||
	       (n > 8 && !strncmp(id, "__suture", 8));
}

static bool kdiff_is_mapped(const char *id, size_t n)
{
	for (size_t i = 0; i < sizeof(kdiff_mapped) / sizeof(*kdiff_mapped);
	     i++)
		if (strlen(kdiff_mapped[i]) == n &&
		    !strncmp(kdiff_mapped[i], id, n))
			return true;
	return false;
}

static const char kdiff_ident[] = "_ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789";

/* Refuse a name of suture.h on added line @line that is not mapped. */
static int kdiff_names(const char *line, struct error *err)
{
	const char *p = line + 1;

	if (line[0] != '+' || !strncmp(line, "+++ ", 4))
		return 0;
	while (*(p += strcspn(p, kdiff_ident))) {
		size_t n = strspn(p, kdiff_ident);

		if (kdiff_suture_name(p, n) && !kdiff_is_mapped(p, n))
			return error_set(
			    err, -ENOTSUP,
			    "the diff uses %.*s of suture.h, which suture "
			    "kbuild does not map onto livepatch%s: %.*s",
			    (int)n, p,
			    n == 19 && !strncmp(p, "suture_shadow_alloc", n)
				? " (klp_shadow_alloc warns where suture.h "
				  "returns NULL; use "
				  "suture_shadow_get_or_alloc)"
				: "",
			    (int)strcspn(line + 1, "\n"), line + 1);
		p += n;
	}
	return 0;
}

/* The path of a "+++ b/PATH" line, without the first component. */
static char *kdiff_path(const char *line)
{
	const char *p = line + 4, *slash;
	size_t n = strcspn(p, "\t\n");

	slash = memchr(p, '/', n);
	if (!slash)
		return NULL;
	n -= (size_t)(slash + 1 - p);
	return xasprintf("%.*s", (int)n, slash + 1);
}

static bool kdiff_known(const struct kbuild_ctx *ctx, const char *src)
{
	for (size_t i = 0; i < ctx->nobjs; i++)
		if (!strcmp(ctx->objs[i].source, src))
			return true;
	return false;
}

static int kdiff_add(struct kbuild_ctx *ctx, char *path, struct error *err)
{
	size_t n = strlen(path);
	struct kobj *k;

	if (n < 3 || strcmp(path + n - 2, ".c")) {
		error_set(err, -EINVAL,
			  "the diff changes %s: suture kbuild compares only "
			  "the objects of the .c files a diff changes, and a "
			  "change to a header or build file can change any "
			  "object; put the change into .c files",
			  path);
		free(path);
		return -EINVAL;
	}
	if (kdiff_known(ctx, path)) {
		free(path);
		return 0;
	}
	ctx->objs = xrealloc(ctx->objs, (ctx->nobjs + 1) * sizeof(*k));
	k = &ctx->objs[ctx->nobjs++];
	k->source = path;
	k->target = xasprintf("%.*s.o", (int)n - 2, path);
	return 0;
}

int kdiff_read(struct kbuild_ctx *ctx, struct error *err)
{
	FILE *f = fopen(ctx->opts->diff, "r");
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;

	if (!f)
		return error_set(err, -errno, "cannot read the diff %s: %m",
				 ctx->opts->diff);
	while (!ret && getline(&line, &cap, f) > 0) {
		char *path;

		if ((ret = kdiff_names(line, err)))
			break;
		if (strncmp(line, "+++ ", 4) ||
		    !strncmp(line, "+++ /dev/null", 13))
			continue;
		if (!(path = kdiff_path(line)))
			continue;
		ret = kdiff_add(ctx, path, err);
	}
	free(line);
	fclose(f);
	if (!ret && !ctx->nobjs)
		return error_set(err, -EINVAL,
				 "the diff %s changes no file (is it a "
				 "unified diff for patch -p1?)",
				 ctx->opts->diff);
	return ret;
}
