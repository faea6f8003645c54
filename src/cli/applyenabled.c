/*
 * applyenabled.c - `suture apply --enabled PID[,PID...] [--timeout SEC]
 * [--hook-timeout SEC] [--jobs N]`: apply to each process the enabled
 * patches (persist/store.h) for the modules it maps that it lacks, in the
 * order they were enabled.  What the preload library runs for a process
 * that starts (persist/atstart.h); an operator may run it too, after an
 * exec or a restart that `status` or `drift` reported.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "apply/apply.h"
#include "apply/perfmap.h"
#include "cli/commands.h"
#include "cli/fanout.h"
#include "cli/pidarg.h"
#include "persist/match.h"
#include "persist/storepolicy.h"
#include "trust/audit.h"

static const char usage_text[] =
    "usage: suture apply --enabled PID[,PID...] [--timeout SEC]\n"
    "                    [--hook-timeout SEC] [--jobs N]\n"
    "\n"
    "Apply to each process the enabled patches (suture enable) for the\n"
    "programs and libraries it maps that it does not have yet, in the\n"
    "order they were enabled.\n";

static const struct option options[] = {
    {"timeout", required_argument, NULL, 't'},
    {"hook-timeout", required_argument, NULL, 'H'},
    {"jobs", required_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct enabled_job {
	struct store s;
	struct policy pol;
	struct apply_opts o;
};

static void audit(const struct store_entry *e, const struct patch *p, pid_t pid,
		  bool trusted, const char *result, const char *why)
{
	char file[4200];

	/* a loaded patch is the entry's (store_load checks) */
	audit_log_patch(
	    (struct audit_event){.action = "apply",
				 .patch = e->name,
				 .id = e->id,
				 .file = store_file(e, file, sizeof(file)),
				 .trusted = trusted,
				 .pid = pid,
				 .result = result,
				 .why = why},
	    p);
}

/* Apply entry @e to @pid: 0, or 1 after printing why not. */
static int apply_entry(const struct enabled_job *job,
		       const struct store_entry *e, pid_t pid)
{
	struct error err = {""};
	struct apply_result res;
	struct patch *p = NULL;
	bool trusted = false;
	int ret = 1;

	if (store_load(e, &p, &err) ||
	    persist_policy_check(&job->pol, p, &trusted, &err) ||
	    policy_check(&job->pol, p, pid, &trusted, &err))
		audit(e, p, pid, trusted, "refused", err.msg);
	else if (apply_patch(pid, p, &job->o, &res, &err))
		audit(e, p, pid, trusted, "failed", err.msg);
	else {
		audit(e, p, pid, trusted, "applied", NULL);
		cli_print_change("applied enabled patch", "to", "replaced", pid,
				 &res);
		if (perfmap_add(pid, &res.rec, &err))
			fprintf(stderr, "suture apply: note: %s\n", err.msg);
		apply_result_free(&res);
		ret = 0;
	}
	if (ret)
		fprintf(stderr, "suture apply: enabled patch '%s' (%s): %s\n",
			e->name, e->id, err.msg);
	patch_free(p);
	return ret;
}

static int apply_one(pid_t pid, void *arg)
{
	const struct enabled_job *job = arg;
	struct persist_matches m;
	struct error err = {""};
	size_t todo = 0, failed = 0;

	if (persist_match(pid, &job->s, &m, &err) < 0)
		return fprintf(stderr, "suture apply: %s\n", err.msg), 1;
	for (size_t i = 0; i < m.n; i++)
		if (!m.v[i].applied && ++todo)
			failed += apply_entry(job, m.v[i].e, pid);
	if (!todo)
		printf("process %d: %s\n", pid,
		       m.n ? "has every enabled patch for what it runs"
			   : "runs no build that has an enabled patch");
	persist_matches_free(&m);
	return failed ? 1 : 0;
}

/* Options into @job and *jobs; -1 on a usage error, 1 for --help. */
static int parse_options(int argc, char **argv, struct enabled_job *job,
			 unsigned *jobs)
{
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:H:j:h", options, NULL)) != -1)
		if (c == 'h')
			return 1;
		else if (fanout_option(c, optarg, &job->o, jobs) < 0)
			return -1;
	return argc - optind == 1 ? 0 : -1;
}

int cmd_apply_enabled(int argc, char **argv)
{
	struct enabled_job job = {
	    .o = {.timeout_ms = APPLY_DEFAULT_TIMEOUT_MS,
		  .hook_timeout_ms = HOOK_DEFAULT_TIMEOUT_MS}};
	struct error err = {""};
	unsigned jobs = 0;
	size_t n, failed;
	pid_t *pids;
	int r;

	if ((r = parse_options(argc, argv, &job, &jobs)) > 0)
		return fputs(usage_text, stdout), 0;
	if (r < 0 || fanout_parse_pids(argv[optind], &pids, &n) < 0)
		return fputs(usage_text, stderr), 2;
	if (store_read(&job.s, &err) < 0 || policy_load(&job.pol, &err) < 0) {
		fprintf(stderr, "suture apply: %s\n", err.msg);
		store_free(&job.s);
		return free(pids), 1;
	}
	failed = fanout_run(pids, n, fanout_jobs(n, jobs), apply_one, &job);
	/* Processes patched at start may be short-lived and many: their map
	 * files go here as with every apply, after the work. */
	perfmap_sweep();
	policy_free(&job.pol);
	store_free(&job.s);
	free(pids);
	return failed ? 1 : 0;
}
