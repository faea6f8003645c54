/*
 * revert.c - `suture revert PID[,PID...] [NAME | --all]` and `suture revert
 * NAME [--exe PATH] [--unit NAME] [--pid P,...]` (every process with the
 * patch NAME live: targets.h), with [--timeout SEC] [--jobs N]: undo
 * applied patches.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/revert.h"
#include "apply/leftover.h"
#include "apply/perfmap.h"
#include "apply/status.h"
#include "cli/commands.h"
#include "cli/fanout.h"
#include "cli/perfheal.h"
#include "cli/pidarg.h"
#include "cli/retained.h"
#include "cli/targets.h"
#include "process/session.h"
#include "trust/audit.h"
#include "util/phase.h"

static const char usage_text[] =
    "usage: suture revert PID[,PID...] [NAME | --all] [OPTIONS]\n"
    "       suture revert NAME [--exe PATH] [--unit NAME] [--pid PID,...]\n"
    "                     [OPTIONS]\n"
    "options: [--timeout SEC] [--hook-timeout SEC] [--jobs N] [-v]\n"
    "\n"
    "Undo the patch NAME in process PID, or the most recently applied\n"
    "one, or with --all every patch, newest first.  Like apply, it waits\n"
    "up to SEC seconds (default 5) for a moment when no thread is running\n"
    "the patch's code, and changes nothing if none comes.  Several PIDs,\n"
    "separated by commas, are handled as by suture apply.  The patch's\n"
    "revert hooks may run --hook-timeout seconds (default 2).  -v says\n"
    "how the stop's scan for references to the patch's memory went: only\n"
    "the pages written since a scan made while the program ran, or all\n"
    "memory, and why.\n"
    "\n"
    "Without PIDs (a NAME that is not a list of numbers), the patch NAME\n"
    "is undone in every process where it is live, narrowed by --exe,\n"
    "--unit and --pid as for suture apply FILE; a last line counts them.\n";

static const struct option options[] = {
    {"timeout", required_argument, NULL, 't'},
    {"hook-timeout", required_argument, NULL, 'H'},
    {"all", no_argument, NULL, 'a'},
    {"jobs", required_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {"verbose", no_argument, NULL, 'v'},
    TARGETS_OPTIONS,
    {NULL, 0, NULL, 0},
};

/* What every process gets. */
struct revert_job {
	const char *name; /* or NULL: the newest */
	bool all;
	bool verbose;
	struct apply_opts o;
	struct targets_filter f; /* the by-name form's narrowing */
	struct modcache files;	 /* the processes' files (modcache.h) */
};

/* Revert @name (or the newest patch); 0, or 1 after printing why not. */
static int revert_one(pid_t pid, const char *name, const struct revert_job *job)
{
	struct audit_event ev = {.action = "revert", .file = "", .pid = pid};
	struct error err = {""};
	struct apply_result res;

	phase_begin("check target");
	if (revert_patch(pid, name, &job->o, &res, &err) < 0) {
		ev.patch = name ? name : "";
		ev.id = "";
		ev.result = "failed";
		ev.why = err.msg;
		audit_log(&ev);
		fprintf(stderr, "suture revert: %s\n", err.msg);
		return 1;
	}
	ev.patch = res.rec.name;
	ev.id = res.rec.id;
	ev.result = "reverted";
	phase_begin("audit");
	audit_log(&ev);
	phase_begin("report");
	if (job->verbose && res.scan[0])
		printf("process %d: scan for references: %s\n", (int)pid,
		       res.scan);
	if (job->verbose)
		cli_print_wake(pid);
	cli_print_change("reverted", "from", "restored", pid, &res);
	cli_print_released(pid, &res);
	/* perf names patch code from this map; failing that is no error. */
	if (perfmap_remove(pid, &res.rec, &err))
		fprintf(stderr, "suture revert: note: %s\n", err.msg);
	apply_result_free(&res);
	return 0;
}

/* Revert every patch, newest first, each in its own short stop. */
static int revert_all(pid_t pid, const struct revert_job *job)
{
	struct error err = {""};
	struct state st;
	size_t n;

	if (status_read(pid, &st, &err) < 0) {
		fprintf(stderr, "suture revert: %s\n", err.msg);
		return 1;
	}
	/* Leftovers of an interrupted suture go with the first revert, or
	 * with a revert of their own if no patch is live; so do retained
	 * regions nothing refers to any more. */
	n = st.n ? st.n : leftover_count(&st) > 0 || st.nkept > 0;
	state_free(&st);
	if (!n)
		printf("no patches applied to process %d\n", pid);
	for (; n; n--)
		if (revert_one(pid, NULL, job))
			return 1;
	return 0;
}

static int revert_job_one(pid_t pid, void *arg)
{
	const struct revert_job *job = arg;

	if (job->all)
		return revert_all(pid, job);
	return revert_one(pid, job->name, job);
}

/* Options into @job and *jobs; -1 on a usage error, 1 for --help. */
static int parse_options(int argc, char **argv, struct revert_job *job,
			 unsigned *jobs)
{
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:H:j:hv", options, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if (c == 'a')
			job->all = true;
		else if (c == 'v')
			job->verbose = true;
		else if ((r = targets_option(c, optarg, &job->f)) < 0 ||
			 (r && fanout_option(c, optarg, &job->o, jobs) < 0))
			return -1;
	}
	if (argc - optind < 1 || argc - optind > 2 - job->all)
		return -1;
	job->name = argc - optind == 2 ? argv[optind + 1] : NULL;
	return 0;
}

/* The processes to revert in: the PIDs given, or those where the patch
 * named by the only operand is live; -1 on a usage error, 1 after
 * printing why there are none. */
static int choose(char **argv, struct revert_job *job, struct targets *t)
{
	if (cli_is_pid_list(argv[optind])) {
		if (targets_narrowed(&job->f))
			return -1;
		return fanout_parse_pids(argv[optind], &t->pids, &t->n);
	}
	if (job->name || job->all)
		return -1;
	job->name = argv[optind];
	return targets_by_patch(job->name, &job->f, "revert", t) < 0;
}

int cmd_revert(int argc, char **argv)
{
	/* `suture revert kernel ...`: the kernel back end (cli/kernel.c) */
	if (argc > 1 && !strcmp(argv[1], "kernel"))
		return cmd_revert_kernel(argc - 1, argv + 1);
	struct revert_job job = {
	    .o = {.timeout_ms = APPLY_DEFAULT_TIMEOUT_MS,
		  .hook_timeout_ms = HOOK_DEFAULT_TIMEOUT_MS}};
	uint64_t start_ns = session_now_ns();
	struct targets t = {0};
	unsigned jobs = 0;
	size_t failed;
	int r;

	if ((r = parse_options(argc, argv, &job, &jobs)) > 0)
		return fputs(usage_text, stdout), 0;
	if (r < 0 || (r = choose(argv, &job, &t)) < 0) {
		targets_filter_free(&job.f);
		return fputs(usage_text, stderr), 2;
	}
	if (r > 0) {
		targets_filter_free(&job.f);
		return 1;
	}
	jobs = fanout_jobs(t.n, jobs);
	job.o.cache = &job.files;
	failed = fanout_run(t.pids, t.n, jobs, revert_job_one, &job);
	modcache_free(&job.files);
	fanout_summary("reverted from", t.n, failed, jobs, start_ns);
	if (!cli_is_pid_list(argv[optind]))
		targets_summary("reverted in", t.n, failed, &t);
	/* After the work, so no target waits for it: stale map files go,
	 * those of children that inherited patches come (perfheal.h). */
	phase_begin("perf map sweep");
	perfmap_sweep();
	phase_begin("perf maps of children");
	perfheal_children(t.pids, t.n);
	phase_begin("clean up");
	targets_free(&t);
	targets_filter_free(&job.f);
	phase_report();
	return failed ? 1 : 0;
}
