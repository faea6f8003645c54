/*
 * apply.c - `suture apply PID FILE [--replace] [--timeout SEC]`: make a
 * patch live in a running process.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/apply.h"
#include "apply/perfmap.h"
#include "cli/commands.h"
#include "cli/pidarg.h"
#include "patchfile/patchfile.h"

static const char usage_text[] =
    "usage: suture apply PID FILE [--replace] [--timeout SEC]\n"
    "                    [--hook-timeout SEC]\n"
    "\n"
    "Apply the patch FILE to the running process PID.  Every thread is\n"
    "stopped for a moment at a point where none of them is inside a\n"
    "function the patch replaces; if that does not happen within SEC\n"
    "seconds (default 5) nothing is changed.\n"
    "\n"
    "--replace  FILE takes the place of every patch applied to the same\n"
    "           program or library, in the same stop: functions only the\n"
    "           old patches changed go back to their original code, and\n"
    "           the old patches' memory is freed.  For a cumulative patch\n"
    "           (suture build --patch A --patch B ...).\n"
    "--hook-timeout SEC  how long each of the patch's hooks (suture.h)\n"
    "           may run before the apply is undone (default 2).\n";

static const struct option options[] = {
    {"timeout", required_argument, NULL, 't'},
    {"hook-timeout", required_argument, NULL, 'H'},
    {"replace", no_argument, NULL, 'r'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* What a replace replaced, and whether it finished freeing it. */
static void print_replaced(const struct apply_result *res, bool replace)
{
	if (replace && !res->nreplaced)
		printf("note: no patch was applied to its module; nothing "
		       "replaced\n");
	for (size_t i = 0; i < res->nreplaced; i++)
		printf("%s '%s'%s", i ? "," : "replaced patch",
		       res->replaced[i].name,
		       i + 1 == res->nreplaced ? "\n" : "");
	if (res->unfinished[0])
		printf("note: the replaced patches are off, but their memory "
		       "is not freed yet (%s); the next suture command on "
		       "the process frees it\n",
		       res->unfinished);
}

int cmd_apply(int argc, char **argv)
{
	struct apply_opts o = {.timeout_ms = APPLY_DEFAULT_TIMEOUT_MS,
			       .hook_timeout_ms = HOOK_DEFAULT_TIMEOUT_MS};
	struct error err = {""};
	struct apply_result res;
	struct patch *p;
	pid_t pid;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:H:h", options, NULL)) != -1) {
		if (c == 'h')
			return fputs(usage_text, stdout), 0;
		if (c == 'r')
			o.replace = true;
		else if (cli_timeout_option(c, optarg, &o) < 0)
			return fputs(usage_text, stderr), 2;
	}
	if (argc - optind != 2 || cli_parse_pid(argv[optind], &pid) < 0)
		return fputs(usage_text, stderr), 2;
	if (patchfile_read(argv[optind + 1], &p, &err) < 0) {
		fprintf(stderr, "suture apply: %s\n", err.msg);
		return 1;
	}
	if (apply_patch(pid, p, &o, &res, &err) < 0) {
		fprintf(stderr, "suture apply: %s\n", err.msg);
		patch_free(p);
		return 1;
	}
	cli_print_change("applied", "to", "replaced", pid, &res);
	print_replaced(&res, o.replace);
	/* perf names patch code from this map; failing that is no error. */
	for (size_t i = 0; i < res.nreplaced; i++)
		if (perfmap_remove(pid, &res.replaced[i], &err))
			fprintf(stderr, "suture apply: note: %s\n", err.msg);
	if (perfmap_add(pid, &res.rec, &err))
		fprintf(stderr, "suture apply: note: %s\n", err.msg);
	apply_result_free(&res);
	patch_free(p);
	return 0;
}
