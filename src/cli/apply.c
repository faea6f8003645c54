/*
 * apply.c - `suture apply PID FILE [--timeout SEC]`: make a patch live in a
 * running process.
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
    "usage: suture apply PID FILE [--timeout SEC]\n"
    "\n"
    "Apply the patch FILE to the running process PID.  Every thread is\n"
    "stopped for a moment at a point where none of them is inside a\n"
    "function the patch replaces; if that does not happen within SEC\n"
    "seconds (default 5) nothing is changed.\n";

static const struct option options[] = {
    {"timeout", required_argument, NULL, 't'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_apply(int argc, char **argv)
{
	struct apply_opts o = {APPLY_DEFAULT_TIMEOUT_MS};
	struct error err = {""};
	struct apply_result res;
	struct patch *p;
	pid_t pid;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:h", options, NULL)) != -1) {
		if (c == 'h')
			return fputs(usage_text, stdout), 0;
		if (c != 't' || cli_parse_timeout(optarg, &o.timeout_ms) < 0)
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
	/* perf names patch code from this map; failing that is no error. */
	if (perfmap_add(pid, &res.rec, &err))
		fprintf(stderr, "suture apply: note: %s\n", err.msg);
	record_free(&res.rec);
	patch_free(p);
	return 0;
}
