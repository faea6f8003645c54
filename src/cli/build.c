/*
 * build.c - `suture build`: make a patch file from source diffs.
 *
 * Parses the options, runs the pipeline (src/build/pipeline.h), prints the
 * report and writes the patch.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/cache.h"
#include "build/hang.h"
#include "build/pipeline.h"
#include "cli/buildterm.h"
#include "cli/commands.h"
#include "cli/diffname.h"
#include "patchfile/patchfile.h"
#include "util/xalloc.h"

static const char usage_text[] =
    "usage: suture build --src DIR --patch FILE [--patch FILE...]\n"
    "                    --binary REL [-o OUT] [--name NAME] [--on BASE.sut]\n"
    "                    [--build-dir DIR] [--target FILE]\n"
    "                    [--debug-file FILE] [--root DIR]\n"
    "                    [--no-cache | --cache-dir DIR] [--shared-cache]\n"
    "                    [--build-timeout SEC] [--clean CMD]\n"
    "                    [--keep] [-v] [--accept-no-debug] [--sign KEY]\n"
    "                    [-- BUILD-COMMAND...]\n"
    "\n"
    "Build DIR (the tree the running binary came from) twice in a scratch\n"
    "directory, once as is and once with the diffs applied, compare the\n"
    "object code of REL (path of the binary relative to DIR) and write\n"
    "the changed functions as a patch for `suture apply`.\n"
    "\n"
    "  --src DIR        source tree of the running binary (never modified)\n"
    "  --patch FILE     unified diff applied with patch -p1 (repeatable)\n"
    "  --binary REL     executable or shared library to patch\n"
    "  --build-dir DIR  the CMake or meson build directory it was built\n"
    "                   in, if not inside DIR (REL is then relative to\n"
    "                   it); one inside DIR is found from REL.  Each copy\n"
    "                   gets a fresh one, configured as this one was, and\n"
    "                   builds with cmake --build / ninja -C by default\n"
    "  -o OUT           patch file to write (default NAME.sut)\n"
    "  --name NAME      patch name (default: first diff's file name)\n"
    "  --on BASE.sut    build on the source state of that patch (DIR plus\n"
    "                   its diffs); the new patch applies only on top of it\n"
    "  --target FILE    the running binary (default DIR/REL)\n"
    "  --debug-file FILE  its separate debug file, if it is stripped\n"
    "                   (default: found by build id or .gnu_debuglink)\n"
    "  --root DIR       compile and link inside the root file system DIR\n"
    "                   (scripts/mkroot makes one), not with the host's\n"
    "                   compiler\n"
    "  --cache-dir DIR  the build cache (default $SUTURE_CACHE_DIR,\n"
    "                   $XDG_CACHE_HOME/suture or ~/.cache/suture)\n"
    "  --no-cache       build everything, read and store nothing\n"
    "  --shared-cache   the cache may be group-writable: trust every\n"
    "                   member of its group (README, \"Cache trust\")\n"
    "  --build-timeout SEC  stop a build command that runs longer than\n"
    "                   SEC seconds (default 7200; 0: no limit)\n"
    "  --clean CMD      the tree's clean step, run with sh -c in both\n"
    "                   copies before the diffs (e.g. 'make distclean')\n"
    "  --keep           keep the scratch directory\n"
    "  --accept-no-debug  build even if objects have no debug information\n"
    "                   (-g): data layouts there go unchecked (recorded)\n"
    "  --sign KEY       sign the patch with secret key KEY (suture keygen;\n"
    "                   README: Signed patches)\n"
    "  -v, --verbose    report progress\n"
    "  BUILD-COMMAND    how to build (default: make, or as --build-dir)\n";

static const struct option long_opts[] = {
    {"src", required_argument, NULL, 's'},
    {"patch", required_argument, NULL, 'p'},
    {"binary", required_argument, NULL, 'b'},
    {"build-dir", required_argument, NULL, 'B'},
    {"name", required_argument, NULL, 'n'},
    {"target", required_argument, NULL, 't'},
    {"debug-file", required_argument, NULL, 'd'},
    {"root", required_argument, NULL, 'r'},
    {"on", required_argument, NULL, 'O'},
    {"cache-dir", required_argument, NULL, 'C'},
    {"no-cache", no_argument, NULL, 'N'},
    {"shared-cache", no_argument, NULL, 'G'},
    {"build-timeout", required_argument, NULL, 'T'},
    {"clean", required_argument, NULL, 'c'},
    {"keep", no_argument, NULL, 'k'},
    {"accept-no-debug", no_argument, NULL, 'D'},
    {"verbose", no_argument, NULL, 'v'},
    {"sign", required_argument, NULL, 'S'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct build_args {
	struct build_opts opts;
	const char **patches;
	const char *out;
	const char *sign; /* secret key file, or NULL */
	char *cache_dir;
	bool no_cache;
	bool verbose;
};

/* --build-timeout SEC: whole seconds, 0 for no limit. */
static int build_parse_timeout(const char *s, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || *s == '-' || v > 30 * 86400) {
		fprintf(stderr,
			"suture build: --build-timeout wants whole seconds "
			"(0: no limit, at most 30 days), not '%s'\n",
			s);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* Parse argv into @a; returns -1 to go on, else an exit status. */
static int parse_args(int argc, char **argv, struct build_args *a)
{
	int c;

	a->opts.build_timeout = HANG_DEFAULT_TIMEOUT_S;
	while ((c = getopt_long(argc, argv, "+o:vh", long_opts, NULL)) != -1) {
		switch (c) {
		case 's':
			a->opts.src_dir = optarg;
			break;
		case 'b':
			a->opts.binary = optarg;
			break;
		case 'B':
			a->opts.build_dir = optarg;
			break;
		case 'n':
			a->opts.name = optarg;
			break;
		case 't':
			a->opts.target = optarg;
			break;
		case 'd':
			a->opts.debug_file = optarg;
			break;
		case 'r':
			/* The sandbox binds it by absolute path. */
			a->opts.root = realpath(optarg, NULL);
			if (!a->opts.root) {
				fprintf(stderr,
					"suture build: cannot use root %s: "
					"%m\n",
					optarg);
				return 1;
			}
			break;
		case 'O':
			a->opts.on = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'C':
			free(a->cache_dir);
			a->cache_dir = cache_abs_dir(optarg);
			break;
		case 'N':
			a->no_cache = true;
			break;
		case 'G':
			a->opts.cache_shared = true;
			break;
		case 'T':
			if (build_parse_timeout(optarg, &a->opts.build_timeout))
				return 1;
			break;
		case 'c':
			a->opts.clean = optarg;
			break;
		case 'k':
			a->opts.keep = true;
			break;
		case 'D':
			a->opts.accept_no_debug = true;
			break;
		case 'v':
			a->verbose = true;
			break;
		case 'S':
			a->sign = optarg;
			break;
		case 'p':
			a->patches =
			    xrealloc(a->patches,
				     (a->opts.npatches + 1) * sizeof(char *));
			a->patches[a->opts.npatches++] = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind < argc)
		a->opts.command = argv + optind;
	a->opts.patches = a->patches;
	if (!a->cache_dir && !a->no_cache)
		a->cache_dir = cache_default_dir();
	a->opts.cache_dir = a->no_cache ? NULL : a->cache_dir;
	if (!a->opts.src_dir || !a->opts.npatches || !a->opts.binary) {
		fprintf(stderr,
			"suture build: --src, --patch and --binary "
			"are required\n%s",
			usage_text);
		return 2;
	}
	return -1;
}

/* The default name: the first diff's file name without extension,
 * reduced to the characters a patch name allows. */
static char *default_name(const char *diff)
{
	char *name = cli_diff_name(diff, "abcdefghijklmnopqrstuvwxyz"
					 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					 "0123456789._-");

	while (name[0] == '.' || name[0] == '-')
		name[0] = '_';
	if (strlen(name) > PATCH_NAME_MAX)
		name[PATCH_NAME_MAX] = '\0';
	return name;
}

static const char *fn_file(const struct fn_result *f)
{
	const struct obj_symbol *y = &f->obj->syms[f->sym];

	return f->obj->source	  ? f->obj->source
	       : f->obj->file_sym ? f->obj->file_sym
				  : y->name;
}

/* Print the functions in state @state under @title. */
static void report_list(const struct build_ctx *ctx, int state, bool needed,
			const char *title)
{
	bool any = false;

	for (size_t i = 0; i < ctx->nfns; i++) {
		const struct fn_result *f = &ctx->fns[i];

		/* state -1: every function copied only because needed */
		if ((state >= 0 && (int)f->state != state) ||
		    f->needed != needed)
			continue;
		if (!any)
			printf("%s:\n", title);
		any = true;
		printf("  %-32s %s%s%s\n", f->obj->syms[f->sym].name,
		       fn_file(f),
		       f->state == FN_CHANGED && !f->tsym && !f->needed
			   ? "  (inlined everywhere in the target: "
			     "its callers are patched)"
			   : "",
		       f->cold ? "  (split-off part)" : "");
	}
}

static void report(const struct build_ctx *ctx, const char *out)
{
	printf("checked %zu functions of the rebuilt original against %s\n",
	       ctx->nverified, ctx->target_path);
	report_list(ctx, FN_CHANGED, false, "changed functions");
	report_list(ctx, FN_NEW, false, "new functions");
	report_list(ctx, -1, true,
		    "functions copied because patched code calls them and "
		    "the target has no copy");
	report_list(ctx, FN_LINE_ONLY, false,
		    "only __LINE__ constants changed (not patched)");
	printf("unchanged but rebuilt: %zu functions\n", ctx->nunchanged);
	printf("data checked unchanged: %zu types, %zu variables\n",
	       ctx->data_types, ctx->data_vars);
	for (size_t i = 0; i < ctx->ndata_warnings; i++)
		printf("warning: %s\n", ctx->data_warnings[i]);
	for (size_t i = 0; i < ctx->ndata_unchecked; i++)
		printf("warning: data check skipped for %s: no debug "
		       "information (accepted with --accept-no-debug)\n",
		       ctx->data_unchecked[i]);
	printf("patch %s written to %s\n", ctx->patch->name, out);
}

int cmd_build(int argc, char **argv)
{
	struct build_args a = {0};
	struct build_ctx ctx = {0};
	struct buildterm term;
	struct error err = {{0}};
	char *name = NULL, *out = NULL;
	int status, ret;

	if ((status = parse_args(argc, argv, &a)) >= 0 ||
	    (a.sign && (status = cli_sign_key_ok(a.sign, "build"))))
		goto out_free;
	name = a.opts.name ? xstrdup(a.opts.name) : default_name(a.patches[0]);
	if (!patch_name_valid(name)) {
		fprintf(stderr,
			"suture build: invalid patch name '%s' (1-64 "
			"characters of A-Z a-z 0-9 . _ -)\n",
			name);
		status = 2;
		goto out_free;
	}
	a.opts.name = name;
	buildterm_init(&term, &a.opts, a.verbose || a.opts.keep);
	out = a.out ? xstrdup(a.out) : xasprintf("%s.sut", name);
	ctx.opts = &a.opts;
	status = 1;
	ret = build_run(&ctx, &err);
	buildterm_clear(&term);
	if (ret || patchfile_write(ctx.patch, out, &err)) {
		fprintf(stderr, "suture build: %s\n", err.msg);
		if (ctx.detail)
			fprintf(stderr, "%s", ctx.detail);
		goto out_ctx;
	}
	report(&ctx, out);
	status = a.sign ? cli_sign(out, a.sign, "build") : 0;
out_ctx:
	if (a.opts.keep && ctx.scratch)
		fprintf(stderr, "suture build: kept scratch directory %s\n",
			ctx.scratch);
	build_ctx_free(&ctx);
out_free:
	free(a.patches);
	free(a.cache_dir);
	free((char *)a.opts.root);
	free(name);
	free(out);
	return status;
}
