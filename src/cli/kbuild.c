/*
 * kbuild.c - `suture kbuild`: a livepatch module for the running kernel
 * from a source diff (src/kbuild/kbuild.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/diffname.h"
#include "kbuild/kbuild.h"
#include "util/xalloc.h"

static const char usage_text[] =
    "usage: suture kbuild --kernel DIR --diff FILE [-o OUT.ko] [--name NAME]\n"
    "                     [--src DIR] [--vmlinux FILE] [--modules DIR]\n"
    "                     [--replace] [--keep] [--scratch DIR] [-v]\n"
    "\n"
    "Build the objects of the .c files FILE changes in the prepared kernel\n"
    "tree, before and after the diff, check that the original ones are the\n"
    "running kernel's code, compare them function by function and write\n"
    "the changed functions as a livepatch module.\n"
    "\n"
    "  --kernel DIR   the kernel cache: DIR/src (the prepared tree),\n"
    "                 DIR/vmlinux (with symbols), DIR/modules (its\n"
    "                 /lib/modules/RELEASE); each can be given alone:\n"
    "  --src DIR      configured tree, modules_prepare done (not written)\n"
    "  --vmlinux FILE the running kernel's vmlinux (-dbg package)\n"
    "  --modules DIR  the running kernel's modules directory\n"
    "  --diff FILE    unified diff for patch -p1, changing .c files only\n"
    "  -o OUT.ko      module to write (default NAME.ko)\n"
    "  --name NAME    module name (default: the diff's file name)\n"
    "  --replace      the patch replaces all others (klp atomic replace)\n"
    "  --keep         keep the scratch directory\n"
    "  --scratch DIR  make the scratch directory in DIR (default /var/tmp)\n"
    "  -v, --verbose  report progress\n";

static void say(void *arg, const char *msg)
{
	fprintf(stderr, "%s%s\n", (const char *)arg, msg);
}

static void note(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "  %s\n", msg);
}

static void kbuild_report(const struct kbuild_ctx *ctx)
{
	const struct build_ctx *e = &ctx->engine;

	printf("checked %zu functions of the rebuilt original against %s\n",
	       e->nverified, ctx->target);
	for (size_t i = 0; i < ctx->nfuncs; i++)
		printf("  patched: %s (%s)\n", ctx->funcs[i].old_name,
		       ctx->objname);
	printf("unchanged but rebuilt: %zu functions\n", e->nunchanged);
	printf("livepatch relocations: %zu\n", ctx->nklp);
	printf("module %s written\n", ctx->opts->out);
}

static char *kbuild_path(const char *dir, const char *given, const char *rel)
{
	if (given)
		return xstrdup(given);
	return dir ? xasprintf("%s/%s", dir, rel) : NULL;
}

static int kbuild_go(struct kbuild_opts *o, bool verbose)
{
	struct kbuild_ctx ctx = {.opts = o};
	struct error err = {{0}};
	int ret;

	o->warn = say;
	o->note = verbose ? note : NULL;
	o->note_arg = "warning: ";
	ret = kbuild_run(&ctx, &err);
	if (ret) {
		fprintf(stderr, "suture kbuild: %s\n", err.msg);
		if (ctx.engine.detail)
			fputs(ctx.engine.detail, stderr);
	} else
		kbuild_report(&ctx);
	if (o->keep && ctx.scratch)
		fprintf(stderr, "scratch directory kept: %s\n", ctx.scratch);
	kbuild_ctx_free(&ctx);
	return ret ? 1 : 0;
}

int cmd_kbuild(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"kernel", required_argument, NULL, 'k'},
	    {"src", required_argument, NULL, 's'},
	    {"vmlinux", required_argument, NULL, 'V'},
	    {"modules", required_argument, NULL, 'm'},
	    {"diff", required_argument, NULL, 'd'},
	    {"name", required_argument, NULL, 'n'},
	    {"replace", no_argument, NULL, 'r'},
	    {"keep", no_argument, NULL, 'K'},
	    {"scratch", required_argument, NULL, 'S'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	struct kbuild_opts o = {0};
	const char *kernel = NULL, *src = NULL, *vml = NULL, *mods = NULL;
	char *s, *v, *m, *name, *out;
	bool verbose = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kernel = optarg;
			break;
		case 's':
			src = optarg;
			break;
		case 'V':
			vml = optarg;
			break;
		case 'm':
			mods = optarg;
			break;
		case 'd':
			o.diff = optarg;
			break;
		case 'n':
			o.name = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'r':
			o.replace = true;
			break;
		case 'K':
			o.keep = true;
			break;
		case 'S':
			o.scratch = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	s = kbuild_path(kernel, src, "src");
	v = kbuild_path(kernel, vml, "vmlinux");
	m = kbuild_path(kernel, mods, "modules");
	if (!o.diff || !s || !v || optind != argc) {
		fputs(usage_text, stderr);
		free(s), free(v), free(m);
		return 2;
	}
	o.src = s, o.vmlinux = v, o.modules = m;
	name = o.name ? NULL
		      : cli_diff_name(o.diff,
				      "abcdefghijklmnopqrstuvwxyz0123456789_");
	o.name = o.name ? o.name : name;
	out = o.out ? NULL : xasprintf("%s.ko", o.name);
	o.out = o.out ? o.out : out;
	ret = kbuild_go(&o, verbose);
	free(s), free(v), free(m), free(name), free(out);
	return ret;
}
