/*
 * apply.c - `suture apply PID[,PID...] FILE` and `suture apply FILE [--exe
 * PATH] [--unit NAME] [--pid P,...]` (every process that runs the patch's
 * module: targets.h), with [--replace] [--timeout SEC] [--jobs N]: make a
 * patch live in running processes.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/apply.h"
#include "apply/perfmap.h"
#include "cli/commands.h"
#include "cli/fanout.h"
#include "cli/perfheal.h"
#include "cli/pidarg.h"
#include "cli/targets.h"
#include "patchfile/patchfile.h"
#include "process/session.h"
#include "trust/audit.h"
#include "trust/policy.h"
#include "util/phase.h"

static const char usage_text[] =
    "usage: suture apply PID[,PID...] FILE [OPTIONS]\n"
    "       suture apply FILE [--exe PATH] [--unit NAME] [--pid PID,...]\n"
    "                    [OPTIONS]\n"
    "       suture apply --enabled PID[,PID...] [OPTIONS]  (the enabled\n"
    "                    patches a process lacks: suture enable)\n"
    "options: [--replace] [--timeout SEC] [--hook-timeout SEC] [--jobs N]\n"
    "         [-v]\n"
    "\n"
    "Apply the patch FILE to the running process PID.  Every thread is\n"
    "stopped for a moment at a point where none of them is inside a\n"
    "function the patch replaces; if that does not happen within SEC\n"
    "seconds (default 5) nothing is changed.\n"
    "\n"
    "Several PIDs, separated by commas, are patched one by one (each\n"
    "stopped alone; one failing does not stop the others) by N worker\n"
    "processes (default: one per CPU); the exit status is 1 if any\n"
    "failed.\n"
    "\n"
    "Without PIDs, every process that maps the module the patch was built\n"
    "for (its build-id: the executable or library, also where an upgrade\n"
    "has replaced the file on disk since) is patched, except suture\n"
    "itself and processes it may not patch (traced by a debugger, not\n"
    "permitted), which are skipped and named, and those that have the\n"
    "patch already.  A last line counts them: patched N processes,\n"
    "M failed, K skipped (why).\n"
    "--exe PATH  only processes started from the program PATH\n"
    "--unit NAME only processes of the systemd unit NAME (nginx.service;\n"
    "           \".service\" is added to a NAME without a dot), by cgroup\n"
    "--pid P,.. only these processes\n"
    "A process whose parent (or an ancestor) runs the same module but is\n"
    "left out gets a warning: what it forks from now on runs the old code.\n"
    "\n"
    "--replace  FILE takes the place of every patch applied to the same\n"
    "           program or library, in the same stop: functions only the\n"
    "           old patches changed go back to their original code, and\n"
    "           the old patches' memory is freed.  For a cumulative patch\n"
    "           (suture build --patch A --patch B ...).\n"
    "--hook-timeout SEC  how long each of the patch's hooks (suture.h)\n"
    "           may run before the apply is undone (default 2).\n"
    "-v, --verbose  say how the stop's scan for saved contexts went: only\n"
    "           the pages written since a scan made while the program ran,\n"
    "           or all memory, and why.\n";

static const struct option options[] = {
    {"timeout", required_argument, NULL, 't'},
    {"hook-timeout", required_argument, NULL, 'H'},
    {"replace", no_argument, NULL, 'r'},
    {"verbose", no_argument, NULL, 'v'},
    {"jobs", required_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    TARGETS_OPTIONS,
    {NULL, 0, NULL, 0},
};

/* What a replace replaced. */
static void print_replaced(const struct apply_result *res, bool replace)
{
	if (replace && !res->nreplaced)
		printf("note: no patch was applied to its module; nothing "
		       "replaced\n");
	for (size_t i = 0; i < res->nreplaced; i++)
		printf("%s '%s'%s", i ? "," : "replaced patch",
		       res->replaced[i].name,
		       i + 1 == res->nreplaced ? "\n" : "");
	/* retain.h: something in the process still refers to them */
	if (res->retained)
		printf("note: the memory of %zu replaced patch%s stays mapped, "
		       "switched off, while the program may still use it; "
		       "`suture gc PID` frees it once nothing refers to it\n",
		       res->retained, res->retained == 1 ? "" : "es");
}

/* What every process gets: the patch, read once, the options and the
 * policy (trust/policy.h). */
struct apply_job {
	const char *file;
	const struct patch *p; /* NULL if it could not be read */
	struct apply_opts o;
	struct policy pol;
	struct targets_filter f; /* the build-id form's narrowing */
	struct modcache files;	 /* the processes' files, opened once (in
				    each worker: fanout.h) */
	bool verbose;
};

/* The audit line (trust/audit.h) of an apply to @pid. */
static void audit_apply(const struct apply_job *job, pid_t pid, bool trusted,
			const char *result, const char *why)
{
	audit_log_patch(
	    (struct audit_event){.action = job->o.replace ? "replace" : "apply",
				 .patch = "",
				 .id = "",
				 .file = job->file,
				 .trusted = trusted,
				 .pid = pid,
				 .result = result,
				 .why = why},
	    job->p);
}

/* Apply to one process and print what happened; 0, or 1 if it failed. */
static int apply_one(pid_t pid, void *arg)
{
	const struct apply_job *job = arg;
	struct error err = {""};
	struct apply_result res;
	bool trusted;
	int r;

	phase_begin("policy check");
	if (policy_check(&job->pol, job->p, pid, &trusted, &err) < 0) {
		audit_apply(job, pid, trusted, "refused", err.msg);
		return fprintf(stderr, "suture apply: %s\n", err.msg), 1;
	}
	r = apply_patch(pid, job->p, &job->o, &res, &err);
	if (job->verbose && res.scan[0])
		printf("process %d: scan for saved contexts: %s\n", (int)pid,
		       res.scan);
	if (job->verbose)
		cli_print_wake(pid);
	if (r < 0) {
		audit_apply(job, pid, trusted, "failed", err.msg);
		return fprintf(stderr, "suture apply: %s\n", err.msg), 1;
	}
	phase_begin("audit");
	audit_apply(job, pid, trusted, "applied", NULL);
	phase_begin("report");
	cli_print_change("applied", "to", "replaced", pid, &res);
	print_replaced(&res, job->o.replace);
	/* perf names patch code from this map; failing that is no error. */
	for (size_t i = 0; i < res.nreplaced; i++)
		if (perfmap_remove(pid, &res.replaced[i], &err))
			fprintf(stderr, "suture apply: note: %s\n", err.msg);
	if (perfmap_add(pid, &res.rec, &err))
		fprintf(stderr, "suture apply: note: %s\n", err.msg);
	apply_result_free(&res);
	return 0;
}

/* Options into @job and *jobs; -1 on a usage error, 1 for --help. */
static int parse_options(int argc, char **argv, struct apply_job *job,
			 unsigned *jobs)
{
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:H:j:hv", options, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if (c == 'r')
			job->o.replace = true;
		else if (c == 'v')
			job->verbose = true;
		else if ((r = targets_option(c, optarg, &job->f)) < 0 ||
			 (r && fanout_option(c, optarg, &job->o, jobs) < 0))
			return -1;
	}
	/* PIDs and a FILE, or a FILE narrowed by the options */
	if (argc - optind == 2)
		return targets_narrowed(&job->f) ? -1 : 0;
	return argc - optind == 1 ? 0 : -1;
}

/* The patch at @file into *@pp and @job, and the policy; 1 after printing
 * why not (each PID given gets its audit line). */
static int read_patch(struct apply_job *job, const char *file,
		      const struct targets *t, struct patch **pp)
{
	struct error err = {""};
	struct patch *p = NULL;

	phase_begin("read patch");
	job->file = file;
	if (patchfile_read(file, &p, &err) < 0 ||
	    policy_load(&job->pol, &err) < 0) {
		job->p = p;
		for (size_t i = 0; i < t->n; i++)
			audit_apply(job, t->pids[i], false, "refused", err.msg);
		fprintf(stderr, "suture apply: %s\n", err.msg);
		patch_free(p);
		job->p = NULL;
		return 1;
	}
	job->p = *pp = p;
	return 0;
}

/* Apply to every process of @t; the exit status. */
static int apply_all(struct apply_job *job, const struct targets *t,
		     unsigned jobs, bool by_id)
{
	uint64_t start_ns = session_now_ns();
	size_t failed;

	phase_begin("ancestors");
	targets_warn_tree(t->pids, t->n, job->p->build_id,
			  job->p->build_id_len);
	jobs = fanout_jobs(t->n, jobs);
	failed = fanout_run(t->pids, t->n, jobs, apply_one, job);
	fanout_summary("applied to", t->n, failed, jobs, start_ns);
	if (by_id)
		targets_summary("patched", t->n, failed, t);
	/* After the work, so no target waits for it: stale map files go,
	 * those of children that inherited patches come (perfheal.h). */
	phase_begin("perf map sweep");
	perfmap_sweep();
	phase_begin("perf maps of children");
	perfheal_children(t->pids, t->n);
	/* nothing to do because all had it: done, as a PID's apply is not */
	return failed || (!t->n && t->skipped > t->already) ? 1 : 0;
}

int cmd_apply(int argc, char **argv)
{
	/* `suture apply kernel ...`: the kernel back end (cli/kernel.c) */
	if (argc > 1 && !strcmp(argv[1], "kernel"))
		return cmd_apply_kernel(argc - 1, argv + 1);
	/* `suture apply --enabled PID...`: the store's (cli/applyenabled.c) */
	if (argc > 1 && !strcmp(argv[1], "--enabled"))
		return cmd_apply_enabled(argc - 1, argv + 1);
	struct apply_job job = {
	    .o = {.timeout_ms = APPLY_DEFAULT_TIMEOUT_MS,
		  .hook_timeout_ms = HOOK_DEFAULT_TIMEOUT_MS}};
	struct targets t = {0};
	struct patch *p = NULL;
	unsigned jobs = 0;
	bool by_id;
	int r;

	if ((r = parse_options(argc, argv, &job, &jobs)) > 0)
		return fputs(usage_text, stdout), 0;
	/* `suture apply 1234` lacks its FILE, unless a file is called so */
	by_id = !r && argc - optind == 1 &&
		(!cli_is_pid_list(argv[optind]) || !access(argv[optind], F_OK));
	if (r < 0 || (!by_id && argc - optind != 2) ||
	    (!by_id && fanout_parse_pids(argv[optind], &t.pids, &t.n) < 0)) {
		targets_filter_free(&job.f);
		return fputs(usage_text, stderr), 2;
	}
	/* getopt put the operands last: FILE is the last one */
	job.o.cache = &job.files;
	r = read_patch(&job, argv[argc - 1], &t, &p);
	if (!r && by_id)
		r = targets_by_id(p, &job.f, "apply", &t) < 0;
	if (!r)
		r = apply_all(&job, &t, jobs, by_id);
	phase_begin("clean up");
	if (p)
		policy_free(&job.pol);
	modcache_free(&job.files);
	patch_free(p);
	targets_free(&t);
	targets_filter_free(&job.f);
	phase_report();
	return r;
}
