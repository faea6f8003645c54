/*
 * perfsweep.c - removing the /tmp/perf-PID.map files of processes that
 * are gone (perfmap.h).
 *
 * A patched process that exits leaves its map file behind, and nobody
 * else removes it: perf only reads it.  Every `suture apply` and `suture
 * revert` sweeps /tmp.  A file is suture's when every line of it carries
 * the "[suture:PATCH]" mark perfmap.c writes (or it is empty); one with
 * any other line (a JIT's) is not ours to remove even when its process is
 * gone.  A process is the file's when it started before the file was last
 * written: a PID used again by a newer process does not keep a stale file
 * alive.
 *
 * The sweep is housekeeping, and it must not make every command cost in
 * proportion to the patched processes of the machine (a thousand of them
 * made each apply look at a thousand files): each sweep looks at no more
 * than SWEEP_BATCH map files, consecutive from a random place in the
 * directory's list.  With fewer maps than that, every one is looked at
 * every time; with more, every stale one is gone after a few sweeps.
 *
 * Nor must every command list /tmp (0.1-0.4 ms: a directory that once held
 * thousands of files stays large): a sweep runs only when the user's stamp
 * file, /tmp/.suture-perfsweep-UID, is missing or more than SWEEP_EVERY
 * seconds old (or not the user's, or from the future), and sets it.  One
 * stat a command otherwise; a stale map still goes, a few seconds later.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apply/perfmap.h"
#include "util/xalloc.h"

/* Bigger files are not suture's: a line per replaced function. */
#define SWEEP_MAX_BYTES (4u << 20)

/* The most map files one sweep looks at (above). */
#define SWEEP_BATCH 64

/* The least time between two sweeps of one user, in seconds (above). */
#define SWEEP_EVERY 10

/* How the stamp is opened to be set: never through a link, and a FIFO put
 * there by someone else does not hang the command. */
#define STAMP_OPEN (O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)

/* The map files in /tmp, by name and the PID the name gives. */
struct sweep_list {
	struct sweep_map {
		char name[32];
		pid_t pid;
	} * v;
	size_t n, cap;
};

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

/*
 * Whether process @pid is running and started before its map file (@map)
 * was last written.  /proc/PID's inode is made when the directory is
 * first looked up, which cannot be before the process started: when that
 * is already no later than the file's last write (the usual case: suture
 * looked the process up before it wrote the file), one stat settles it,
 * where reading /proc/PID/stat costs several times more, for every
 * patched process at every sweep.  Only otherwise is the start time read.
 */
static bool sweep_owner_running(pid_t pid, const struct stat *map)
{
	char path[64];
	struct stat st;
	double started;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &st) < 0)
		return false;
	if (st.st_ctim.tv_sec < map->st_mtim.tv_sec ||
	    (st.st_ctim.tv_sec == map->st_mtim.tv_sec &&
	     st.st_ctim.tv_nsec <= map->st_mtim.tv_nsec))
		return true;
	started = sweep_started(pid);
	/* A second of slack: start times are in clock ticks, rounded. */
	return started >= 0 && map->st_mtime + 1 >= started;
}

/* Whether @st may be a map file of suture's (a regular file of this user,
 * not too big). */
static bool sweep_candidate(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_uid == geteuid() &&
	       st->st_size <= SWEEP_MAX_BYTES;
}

/* Whether /tmp/@name (in @dir), the map of @pid, is a stale one of
 * suture's.  Its metadata first, without opening it: most files are the
 * maps of running processes. */
static bool sweep_stale(int dir, const char *name, pid_t pid)
{
	struct stat st, again;
	int fd;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !sweep_candidate(&st) || sweep_owner_running(pid, &st))
		return false;
	fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	/* the file judged above, unchanged since */
	if (fstat(fd, &again) < 0 || again.st_ino != st.st_ino ||
	    again.st_dev != st.st_dev || !sweep_candidate(&again) ||
	    again.st_mtim.tv_sec != st.st_mtim.tv_sec ||
	    again.st_mtim.tv_nsec != st.st_mtim.tv_nsec) {
		close(fd);
		return false;
	}
	return sweep_all_ours(fd);
}

/* The names in @d that are perf-PID.map. */
static void sweep_names(DIR *d, struct sweep_list *l)
{
	struct dirent *de;

	while ((de = readdir(d))) {
		char tail[8];
		int pid;

		if (sscanf(de->d_name, "perf-%d.ma%1[p]%1s", &pid, tail,
			   tail + 1) != 2 ||
		    pid <= 0 || strlen(de->d_name) >= sizeof(l->v->name))
			continue;
		if (l->n == l->cap)
			l->v = xrealloc(l->v, (l->cap = l->cap * 2 + 64) *
						  sizeof(*l->v));
		strcpy(l->v[l->n].name, de->d_name);
		l->v[l->n++].pid = (pid_t)pid;
	}
}

/* Where in a list of @n a sweep starts: anywhere, so that over commands
 * every file is looked at (not a secret: the clock will do). */
static size_t sweep_start(size_t n)
{
	struct timespec ts;

	if (n <= SWEEP_BATCH)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((size_t)ts.tv_nsec ^ (size_t)getpid()) % n;
}

/*
 * Whether a sweep is due (above); if so the stamp is set now, before the
 * sweep, so that the commands of the next seconds skip it.  The stamp is
 * opened without following a link; one that is another user's (made to
 * stop our sweeps) is not trusted: the sweep runs every time, as it did
 * before there was a stamp.
 */
static bool sweep_due(void)
{
	char path[64];
	struct stat st;
	time_t now = time(NULL);
	int fd;

	snprintf(path, sizeof(path), "/tmp/.suture-perfsweep-%u",
		 (unsigned)geteuid());
	if (lstat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
			return true; /* not ours to trust or to touch */
		if (st.st_mtime <= now && now - st.st_mtime < SWEEP_EVERY)
			return false;
	}
	fd = open(path, STAMP_OPEN, 0600);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid == geteuid())
		futimens(fd, NULL);
	if (fd >= 0)
		close(fd);
	return true;
}

size_t perfmap_sweep(void)
{
	struct sweep_list l = {0};
	size_t n = 0, first;
	DIR *d;

	if (!sweep_due() || !(d = opendir("/tmp")))
		return 0;
	sweep_names(d, &l);
	first = sweep_start(l.n);
	for (size_t k = 0; k < l.n && k < SWEEP_BATCH; k++) {
		const struct sweep_map *m = &l.v[(first + k) % l.n];

		if (sweep_stale(dirfd(d), m->name, m->pid) &&
		    unlinkat(dirfd(d), m->name, 0) == 0)
			n++;
	}
	free(l.v);
	closedir(d);
	return n;
}
