/*
 * kdiff.c - what a kernel diff touches.
 *
 * Hooks and shadow data (suture.h) are refused: they are not mapped onto
 * livepatch's callbacks and klp_shadow_* yet.  Only .c files are accepted: each
 * makes one object that kmake.c builds before and after the diff.  A header or
 * a Makefile may change any number of objects, which building the named files
 * alone would not see, so such a diff is refused rather than half compared.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbuild/kbuild.h"
#include "util/xalloc.h"

/* Whether added line @line uses suture.h (hooks, shadow data). */
static bool kdiff_hooks(const char *line)
{
	return line[0] == '+' && strncmp(line, "+++ ", 4) &&
	       (strstr(line, "suture.h") || strstr(line, "SUTURE_") ||
		strstr(line, "suture_shadow_"));
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

		if (kdiff_hooks(line))
			ret = error_set(err, -ENOTSUP,
					"the diff uses suture.h (hooks or "
					"shadow data), which suture kbuild "
					"does not map onto livepatch callbacks "
					"and klp_shadow_* yet: %.*s",
					(int)strcspn(line + 1, "\n"), line + 1);
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
