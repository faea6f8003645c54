/*
 * hang.c - killing a build that hung, and saying what hung (hang.h).
 *
 * The build command leads a process group of its own (spawn_start_group),
 * so make, the shells it runs and the compiler that never returns go
 * together; nothing of it is left writing into the scratch directory that
 * suture then removes.  Which process hung is read from /proc: of the
 * group's processes that have no child in it, the one that started
 * first, since the build waits on it.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build/hang.h"
#include "util/file.h"
#include "util/xalloc.h"

/* One process of the group, from /proc/PID/stat. */
struct hang_proc {
	pid_t pid, ppid;
	unsigned long long start; /* clock ticks after boot */
};

static bool hang_stat(pid_t pid, pid_t pgid, struct hang_proc *p)
{
	char path[64], buf[1024], *s;
	int grp, ppid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return false;
	s = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	/* After "(comm)": state ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime stime cutime cstime priority nice
	 * threads itrealvalue starttime. */
	if (!s ||
	    sscanf(s + 2,
		   "%*c %d %d %*s %*s %*s %*s %*s %*s %*s %*s "
		   "%*s %*s %*s %*s %*s %*s %*s %*s %llu",
		   &ppid, &grp, &p->start) != 3 ||
	    grp != pgid)
		return false;
	p->pid = pid;
	p->ppid = ppid;
	return true;
}

/* The processes of group @pgid; *n of them. */
static struct hang_proc *hang_group(pid_t pgid, size_t *n)
{
	struct hang_proc *v = NULL, p;
	DIR *d = opendir("/proc");
	struct dirent *de;

	*n = 0;
	while (d && (de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name);

		if (pid > 0 && hang_stat(pid, pgid, &p)) {
			v = xrealloc(v, (*n + 1) * sizeof(*v));
			v[(*n)++] = p;
		}
	}
	if (d)
		closedir(d);
	return v;
}

/* The process that hung: started first among those without children. */
static const struct hang_proc *hang_culprit(const struct hang_proc *v, size_t n)
{
	const struct hang_proc *best = NULL;

	for (size_t i = 0; i < n; i++) {
		bool parent = false;

		for (size_t j = 0; j < n && !parent; j++)
			parent = v[j].ppid == v[i].pid;
		if (!parent && (!best || v[i].start < best->start))
			best = &v[i];
	}
	return best;
}

/* "`CMDLINE` (pid N, running for S s)" for @p; a new string. */
static char *hang_describe(const struct hang_proc *p)
{
	char *path = xasprintf("/proc/%d/cmdline", (int)p->pid), *cmd = NULL;
	unsigned char *buf;
	struct error ignored = {{0}};
	struct timespec now;
	size_t len;
	double ran;

	if (!file_read(path, &buf, &len, &ignored)) {
		for (size_t i = 0; i + 1 < len; i++)
			buf[i] = buf[i] ? buf[i] : ' ';
		cmd = len ? (char *)buf : (free(buf), NULL);
	}
	free(path);
	clock_gettime(CLOCK_BOOTTIME, &now);
	ran = now.tv_sec + now.tv_nsec / 1e9 -
	      (double)p->start / sysconf(_SC_CLK_TCK);
	path = xasprintf("`%s` (pid %d, running for %.0f s)", cmd ? cmd : "?",
			 (int)p->pid, ran);
	free(cmd);
	return path;
}

/* SIGTERM to group @pid, SIGKILL if it is still there 2 s later; reap. */
static void hang_stop(pid_t pid)
{
	int status;

	killpg(pid, SIGTERM);
	for (int i = 0; i < 20 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(100000);
	killpg(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

int hang_kill(pid_t pid, const char *cmd, double secs, unsigned limit,
	      struct error *err)
{
	size_t n;
	struct hang_proc *v = hang_group(pid, &n);
	const struct hang_proc *p = hang_culprit(v, n);
	char *what = p ? hang_describe(p) : xstrdup("no process left");
	int ret;

	hang_stop(pid);
	ret = error_set(err, -ETIMEDOUT,
			"the build command %s ran for %.0f s without finishing "
			"(--build-timeout %u); the process it was waiting for: "
			"%s.  Killed the build and everything it started; run "
			"the build by hand to see why it hangs, or raise "
			"--build-timeout",
			cmd, secs, limit, what);
	free(what);
	free(v);
	return ret;
}

static volatile sig_atomic_t hang_signal;
static const int hang_sigs[] = {SIGINT, SIGTERM, SIGHUP};
static struct sigaction hang_old[3]; /* what they did before hang_guard */

static void hang_catch(int sig)
{
	hang_signal = sig;
}

void hang_guard(pid_t pid)
{
	struct sigaction sa = {.sa_handler = hang_catch};

	hang_signal = 0;
	for (size_t i = 0; i < 3; i++) {
		if (!pid) {
			sigaction(hang_sigs[i], &hang_old[i], NULL);
			continue;
		}
		sigaction(hang_sigs[i], &sa, &hang_old[i]);
		if (hang_old[i].sa_handler == SIG_IGN) /* nohup, & in sh */
			sigaction(hang_sigs[i], &hang_old[i], NULL);
	}
}

int hang_interrupted(void)
{
	return hang_signal;
}

void hang_abandon(pid_t pid, int sig)
{
	int status;

	killpg(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	hang_guard(0);
	raise(sig);
}
