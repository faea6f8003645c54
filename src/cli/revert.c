/*
 * revert.c - `suture revert PID [NAME | --all] [--timeout SEC]`: undo
 * applied patches.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "apply/apply.h"
#include "apply/perfmap.h"
#include "apply/leftover.h"
#include "apply/status.h"
#include "cli/commands.h"
#include "cli/pidarg.h"

static const char usage_text[] =
    "usage: suture revert PID [NAME | --all] [--timeout SEC]\n"
    "                     [--hook-timeout SEC]\n"
    "\n"
    "Undo the patch NAME in process PID, or the most recently applied\n"
    "one, or with --all every patch, newest first.  Like apply, it waits\n"
    "up to SEC seconds (default 5) for a moment when no thread is running\n"
    "the patch's code, and changes nothing if none comes.  The patch's\n"
    "revert hooks may run --hook-timeout seconds (default 2).\n";

static const struct option options[] = {
    {"timeout", required_argument, NULL, 't'},
    {"hook-timeout", required_argument, NULL, 'H'},
    {"all", no_argument, NULL, 'a'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Revert @name (or the newest patch); 0, or 1 after printing why not. */
static int revert_one(pid_t pid, const char *name, const struct apply_opts *o)
{
	struct error err = {""};
	struct apply_result res;

	if (revert_patch(pid, name, o, &res, &err) < 0) {
		fprintf(stderr, "suture revert: %s\n", err.msg);
		return 1;
	}
	cli_print_change("reverted", "from", "restored", pid, &res);
	/* perf names patch code from this map; failing that is no error. */
	if (perfmap_remove(pid, &res.rec, &err))
		fprintf(stderr, "suture revert: note: %s\n", err.msg);
	apply_result_free(&res);
	return 0;
}

/* Revert every patch, newest first, each in its own short stop. */
static int revert_all(pid_t pid, const struct apply_opts *o)
{
	struct error err = {""};
	struct state st;
	size_t n;

	if (status_read(pid, &st, &err) < 0) {
		fprintf(stderr, "suture revert: %s\n", err.msg);
		return 1;
	}
	/* Leftovers of an interrupted suture go with the first revert, or
	 * with a revert of their own if no patch is live. */
	n = st.n ? st.n : leftover_count(&st) > 0;
	state_free(&st);
	if (!n)
		printf("no patches applied to process %d\n", pid);
	for (; n; n--)
		if (revert_one(pid, NULL, o))
			return 1;
	return 0;
}

int cmd_revert(int argc, char **argv)
{
	struct apply_opts o = {.timeout_ms = APPLY_DEFAULT_TIMEOUT_MS,
			       .hook_timeout_ms = HOOK_DEFAULT_TIMEOUT_MS};
	bool all = false;
	pid_t pid;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:H:h", options, NULL)) != -1) {
		if (c == 'h')
			return fputs(usage_text, stdout), 0;
		if (c == 'a')
			all = true;
		else if (cli_timeout_option(c, optarg, &o) < 0)
			return fputs(usage_text, stderr), 2;
	}
	if (argc - optind < 1 || argc - optind > 2 - all ||
	    cli_parse_pid(argv[optind], &pid) < 0)
		return fputs(usage_text, stderr), 2;
	if (all)
		return revert_all(pid, &o);
	return revert_one(pid, argc - optind == 2 ? argv[optind + 1] : NULL,
			  &o);
}
