/*
 * review.c - `suture review FILE [--target BINARY]`: the machine code a
 * patch replaces and what replaces it, function by function.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/target.h"
#include "cli/commands.h"
#include "patchfile/patchfile.h"
#include "review/review.h"
#include "util/xalloc.h"

static const char usage_text[] =
    "usage: suture review FILE [--target BINARY]\n"
    "\n"
    "Show, for every function the patch FILE replaces, its old machine\n"
    "code (from BINARY) and its new code (from the patch) as one listing:\n"
    "lines only in the old code marked '-', only in the new '+', with\n"
    "calls, jumps and data references written as symbols.  New functions\n"
    "are listed whole.  This is what runs after apply, whatever the source\n"
    "diff says.  BINARY defaults to the one the patch was built for\n"
    "(source tree and --binary from its build record); its build-id must\n"
    "be the patch's.\n";

static const struct option options[] = {
    {"target", required_argument, NULL, 't'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The target named by the patch's build record, or NULL. */
static char *recorded_target(const struct patch *p)
{
	const char *dir = NULL, *bin = NULL;

	if (p->info && !json_unpack(p->info, "{s:s, s:s}", "source_dir", &dir,
				    "binary", &bin))
		return xasprintf("%s/%s", dir, bin);
	return NULL;
}

/* Open @path and check it is the build the patch is for. */
static int open_target(const struct patch *p, const char *path,
		       struct target **t, struct error *err)
{
	int r;

	if ((r = target_open(path, t, err)))
		return r;
	if ((*t)->build_id_len != p->build_id_len ||
	    memcmp((*t)->build_id, p->build_id, p->build_id_len)) {
		target_close(*t);
		return error_set(err, -EINVAL,
				 "%s is not the build patch '%s' is for (its "
				 "build-id differs); name it with --target",
				 path, p->name);
	}
	return 0;
}

int cmd_review(int argc, char **argv)
{
	const char *target = NULL;
	struct error err = {""};
	struct target *t = NULL;
	struct patch *p;
	char *path;
	size_t missing;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:h", options, NULL)) != -1) {
		if (c == 'h')
			return fputs(usage_text, stdout), 0;
		if (c != 't')
			return fputs(usage_text, stderr), 2;
		target = optarg;
	}
	if (argc - optind != 1)
		return fputs(usage_text, stderr), 2;
	if (patchfile_read(argv[optind], &p, &err) < 0) {
		fprintf(stderr, "suture review: %s\n", err.msg);
		return 1;
	}
	patch_info_load(p);
	path = target ? xstrdup(target) : recorded_target(p);
	if (!path || open_target(p, path, &t, &err) < 0) {
		fprintf(stderr, "suture review: %s\n",
			path ? err.msg
			     : "the patch does not say where its target is; "
			       "name it with --target");
		free(path);
		patch_free(p);
		return 1;
	}
	missing = review_print(p, t, stdout);
	target_close(t);
	free(path);
	patch_free(p);
	return missing ? 1 : 0;
}
