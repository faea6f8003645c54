/*
 * stops.c - what stopping every thread of a process costs with the
 * kernel's own stops, which need no tracer call per thread: a group stop
 * (SIGSTOP) and the cgroup v2 freezer.  Neither can serve suture (the
 * program and its parent see a group stop; the freezer needs the process
 * alone in a cgroup suture may write, and a frozen thread's registers are
 * still read only through a ptrace stop: docs/DESIGN.md, "Stopping many
 * threads"), but they are the floor below ptrace's floor: each wakes
 * every thread to stop itself, as PTRACE_INTERRUPT does.  Not part of
 * suture.
 *
 *   stops N RUNS CMD [ARG...]
 *
 * Runs CMD as a child, waits until it has more than N threads, then RUNS
 * times: SIGSTOP until every thread stopped (waitpid WUNTRACED), SIGCONT;
 * and, if a cgroup v2 can be made, freezing until cgroup.events says
 * frozen, thawing.  Prints "sigstop US" and "freeze US" lines: the stop
 * half only (when the threads are running again is not reported).
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

/* Write @v to file @f of cgroup @cg; 0 on success. */
static int cg_write(const char *cg, const char *f, const char *v)
{
	char path[512];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", cg, f);
	if ((fd = open(path, O_WRONLY)) < 0)
		return -1;
	ok = write(fd, v, strlen(v)) == (ssize_t)strlen(v);
	close(fd);
	return ok ? 0 : -1;
}

/* A new cgroup v2 holding only @pid into @cg; 0 on success. */
static int cg_make(int pid, char *cg, size_t len)
{
	char line[512], dir[256] = "", type[64], v[32];
	FILE *f = fopen("/proc/self/mounts", "r");
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %255s %63s", dir, type) == 2 &&
			!strcmp(type, "cgroup2");
	if (f)
		fclose(f);
	snprintf(cg, len, "%s/suture-bench-stops-%d", dir, pid);
	snprintf(v, sizeof(v), "%d", pid);
	if (!found || mkdir(cg, 0755))
		return -1;
	if (!cg_write(cg, "cgroup.procs", v))
		return 0;
	rmdir(cg);
	return -1;
}

/* Wait until cgroup @cg's events say "frozen @want". */
static void cg_wait(const char *cg, int want)
{
	char path[512], buf[256], *p;
	int fd;
	ssize_t k;

	snprintf(path, sizeof(path), "%s/cgroup.events", cg);
	if ((fd = open(path, O_RDONLY)) < 0)
		return;
	while ((k = pread(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		struct pollfd pf = {fd, POLLPRI, 0};

		buf[k] = 0;
		if ((p = strstr(buf, "frozen ")) && p[7] - '0' == want)
			break;
		poll(&pf, 1, 100);
	}
	close(fd);
}

static void sigstop(int pid)
{
	int st;
	double t0 = now_us();

	kill(pid, SIGSTOP);
	waitpid(pid, &st, WUNTRACED);
	printf("sigstop %.0f\n", now_us() - t0);
	kill(pid, SIGCONT);
	waitpid(pid, &st, WCONTINUED);
}

static void freeze(const char *cg)
{
	double t0 = now_us();

	if (cg_write(cg, "cgroup.freeze", "1"))
		return;
	cg_wait(cg, 1);
	printf("freeze %.0f\n", now_us() - t0);
	cg_write(cg, "cgroup.freeze", "0");
	cg_wait(cg, 0);
}

int main(int argc, char **argv)
{
	const struct sched_param fifo = {.sched_priority = 1};
	int n, runs, pid, cgok;
	char cg[300];

	if (argc < 4 || (n = atoi(argv[1])) <= 0 || (runs = atoi(argv[2])) <= 0)
		return fprintf(stderr, "usage: stops N RUNS CMD...\n"), 2;
	if (!(pid = fork())) {
		execvp(argv[3], argv + 3);
		_exit(127);
	}
	/* as floor.c under chrt: its wake-ups are not held up by the
	 * threads just stopped or woken (the child keeps its policy) */
	sched_setscheduler(0, SCHED_FIFO, &fifo);
	while (!waitpid(pid, NULL, WNOHANG) && threads(pid, NULL, 0) <= n)
		usleep(10000);
	if (threads(pid, NULL, 0) <= n) /* reaped: it exited */
		return fprintf(stderr, "stops: %s exited\n", argv[3]), 1;
	usleep(200000); /* the threads settle in their loops and sleeps */
	cgok = !cg_make(pid, cg, sizeof(cg));
	for (int i = 0; i < runs; i++) {
		sigstop(pid);
		usleep(100000);
		if (cgok)
			freeze(cg);
		usleep(100000);
		fflush(stdout);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (cgok)
		rmdir(cg);
	return 0;
}
