/*
 * perfsweep.c - removing the /tmp/perf-PID.map files of processes that
 * are gone (perfmap.h).
 *
 * A patched process that exits leaves its map file behind, and nobody
 * else removes it: perf only reads it.  Every `suture apply` and `suture
 * revert` sweeps /tmp.  A file is suture's when every line of it carries
 * the "[suture:PATCH]" mark perfmap.c writes (or it is empty); one with
 * any other line (a JIT's) is not ours to remove even when its process is
 * gone.  A
 * process is the file's when it started before the file was last written:
 * a PID used again by a newer process does not keep a stale file alive.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply/perfmap.h"
#include "util/xalloc.h"

/* Bigger files are not suture's: a line per replaced function. */
#define SWEEP_MAX_BYTES (4u << 20)

/* When process @pid started, in seconds since the epoch; -1 if there is
 * no such process. */
static double sweep_started(pid_t pid)
{
	char path[64], buf[1024], *s;
	unsigned long long start;
	static long long btime = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	s = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	if (!s || sscanf(s + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%*u %*u %*d %*d %*d %*d %*d %*d %llu",
			 &start) != 1)
		return 0; /* there, but unreadable: treat as old */
	if (btime < 0 && (f = fopen("/proc/stat", "r"))) {
		while (fgets(buf, sizeof(buf), f))
			if (sscanf(buf, "btime %lld", &btime) == 1)
				break;
		fclose(f);
	}
	return (double)btime + (double)start / sysconf(_SC_CLK_TCK);
}

/* Whether every line of the file open as @fd carries suture's mark; an
 * empty file (what earlier suture versions left after the last revert) is
 * nobody's loss either. */
static bool sweep_all_ours(int fd)
{
	FILE *f = fdopen(fd, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool ours = f != NULL;

	while (ours && (len = getline(&line, &cap, f)) > 0) {
		ours = len > 2 && line[len - 1] == '\n' &&
		       line[len - 2] == ']' && strstr(line, " [suture:");
	}
	free(line);
	if (f)
		fclose(f);
	else
		close(fd);
	return ours;
}

/* Whether /tmp/@name, the map of @pid, is a stale one of suture's. */
static bool sweep_stale(const char *path, pid_t pid)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	double started;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || st.st_size > SWEEP_MAX_BYTES) {
		close(fd);
		return false;
	}
	started = sweep_started(pid);
	/* A second of slack: start times are in clock ticks, rounded. */
	if (started >= 0 && st.st_mtime + 1 >= started) {
		close(fd);
		return false; /* its process is running: perf needs it */
	}
	return sweep_all_ours(fd);
}

size_t perfmap_sweep(void)
{
	DIR *d = opendir("/tmp");
	struct dirent *de;
	size_t n = 0;

	while (d && (de = readdir(d))) {
		char *path, tail[8];
		int pid;

		if (sscanf(de->d_name, "perf-%d.ma%1[p]%1s", &pid, tail,
			   tail + 1) != 2 ||
		    pid <= 0)
			continue;
		path = xasprintf("/tmp/%s", de->d_name);
		if (sweep_stale(path, (pid_t)pid) && unlink(path) == 0)
			n++;
		free(path);
	}
	if (d)
		closedir(d);
	return n;
}
