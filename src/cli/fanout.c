/* fanout.c - one command applied to many processes (fanout.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apply/result.h"
#include "cli/fanout.h"
#include "cli/pidarg.h"
#include "process/session.h"
#include "util/phase.h"
#include "util/xalloc.h"

int fanout_parse_pids(const char *s, pid_t **pids, size_t *n)
{
	char *copy = xstrdup(s), *save = NULL, *item;
	size_t cap = 0;

	*pids = NULL;
	*n = 0;
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		XGROW(*pids, cap, *n);
		if (cli_parse_pid(item, &(*pids)[*n]) < 0)
			goto out_bad;
		for (size_t i = 0; i < *n; i++)
			if ((*pids)[i] == (*pids)[*n]) {
				fprintf(stderr,
					"suture: process %s is named "
					"twice\n",
					item);
				goto out_bad;
			}
		(*n)++;
	}
	free(copy);
	if (*n)
		return 0;
	fprintf(stderr, "suture: '%s' names no process\n", s);
	return -1;
out_bad:
	free(copy);
	free(*pids);
	*pids = NULL;
	return -1;
}

int fanout_option(int c, const char *arg, struct apply_opts *o, unsigned *jobs)
{
	char *end;
	unsigned long v;

	if (c == 't')
		return cli_parse_timeout(arg, &o->timeout_ms);
	if (c == 'H')
		return cli_parse_timeout(arg, &o->hook_timeout_ms);
	if (c != 'j')
		return -1;
	v = strtoul(arg, &end, 10);
	if (end == arg || *end || v < 1 || v > 1024) {
		fprintf(stderr,
			"suture: '%s' is not a number of workers "
			"(1-1024)\n",
			arg);
		return -1;
	}
	*jobs = (unsigned)v;
	return 0;
}

unsigned fanout_jobs(size_t n, unsigned want)
{
	long cpus;

	/* one process needs no count of the CPUs (a read of /sys) */
	if (n <= 1)
		return (unsigned)n;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (!want)
		want = cpus > 0 ? (unsigned)cpus : 1;
	return n < want ? (unsigned)n : want;
}

/* Worker @k of @jobs: every @jobs-th PID from the @k-th; its failures. */
static size_t fanout_share(const pid_t *pids, size_t n, unsigned k,
			   unsigned jobs, int (*fn)(pid_t, void *), void *arg)
{
	size_t failed = 0;

	for (size_t i = k; i < n; i += jobs)
		failed += fn(pids[i], arg) != 0;
	return failed;
}

/* Wait for the worker @pid; its failures, or its whole @share if it died. */
static size_t fanout_reap(pid_t pid, size_t share)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return share;
	if (!WIFEXITED(st) || WEXITSTATUS(st) == 255)
		return share;
	return WEXITSTATUS(st);
}

size_t fanout_run(const pid_t *pids, size_t n, unsigned jobs,
		  int (*fn)(pid_t pid, void *arg), void *arg)
{
	pid_t *workers;
	size_t failed = 0;

	if (jobs <= 1)
		return fanout_share(pids, n, 0, 1, fn, arg);
	fflush(NULL); /* nothing buffered may be written twice */
	setvbuf(stdout, NULL, _IOLBF, 0);
	workers = xcalloc(jobs, sizeof(*workers));
	for (unsigned k = 0; k < jobs; k++) {
		if ((workers[k] = fork()) == 0) {
			size_t f = fanout_share(pids, n, k, jobs, fn, arg);

			phase_report();
			fflush(NULL);
			/* 255 means the worker died; more failures than 254
			 * in one share are reported as 254. */
			_exit(f < 254 ? (int)f : 254);
		}
		if (workers[k] < 0) /* do this share here instead */
			failed += fanout_share(pids, n, k, jobs, fn, arg);
	}
	phase_begin("wait for workers");
	for (unsigned k = 0; k < jobs; k++)
		if (workers[k] > 0)
			failed +=
			    fanout_reap(workers[k], (n - k + jobs - 1) / jobs);
	free(workers);
	return failed;
}

void fanout_summary(const char *verb, size_t n, size_t failed, unsigned jobs,
		    uint64_t start_ns)
{
	double ms = (session_now_ns() - start_ns) / 1e6;

	if (n < 2)
		return;
	printf("%s %zu of %zu processes in %.0f ms (%.2f ms per process, %u "
	       "worker%s)\n",
	       verb, n - failed, n, ms, ms / n, jobs, jobs == 1 ? "" : "s");
}
