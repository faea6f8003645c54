/*
 * proc.c - reading /proc/PID: the checks that decide whether a PID can be
 * patched, a mapped file opened, and the list of threads (the memory map
 * is procmaps.c's).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "process/privilege.h"
#include "process/proc.h"
#include "util/xalloc.h"

/* PF_KTHREAD from the kernel's sched.h: the task is a kernel thread. */
#define PROC_PF_KTHREAD 0x00200000u

/* What proc_check_target needs from /proc/PID/status and /proc/PID/stat. */
struct proc_facts {
	char state;
	pid_t tgid;
	pid_t tracer;
	unsigned long flags;
};

/* A stat or status file is read whole with one read of this much (the
 * status lines read here come in its first 1.5 KiB). */
#define PROC_TEXT_MAX 4096

/* The field @n fields after the one that ends at @p (a space or the
 * command's closing parenthesis) in stat text, or NULL. */
static const char *fields_on(const char *p, int n)
{
	while (p && n-- > 0)
		p = strchr(p + 1, ' ');
	return p && p[1] ? p + 1 : NULL;
}

/*
 * The small file @path whole into @buf (@len bytes), NUL-terminated: one
 * open, one read, one close (procfs makes such a file in one go, so a
 * buffer of its size reads it all).  0, or a negative errno.
 */
static int read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	e = errno;
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n < 0 ? -e : 0;
}

/* What follows "@key:" at the start of a line of status text @text, or
 * NULL. */
static const char *status_value(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *l = text; l; l = strchr(l, '\n'), l = l ? l + 1 : l)
		if (!strncmp(l, key, klen) && l[klen] == ':')
			return l + klen + 1;
	return NULL;
}

/* The number after "@key:" at the start of a line of status text @text,
 * in base @base, into *@val: whether there is one. */
static bool status_number(const char *text, const char *key, int base,
			  uint64_t *val)
{
	const char *at = status_value(text, key);
	char *end;

	if (!at)
		return false;
	*val = strtoull(at, &end, base);
	return end != at;
}

/* The path of the status file of thread @tid of @pid. */
static void status_path(char path[64], pid_t pid, pid_t tid)
{
	snprintf(path, 64, "/proc/%d/task/%d/status", pid, tid);
}

/* The text of the status file of thread @tid of @pid into @buf. */
static int read_status(pid_t pid, pid_t tid, char *buf, size_t len)
{
	char path[64];

	status_path(path, pid, tid);
	return read_small(path, buf, len);
}

/*
 * Field @field (numbered as in proc(5), 3 or more) of the stat file of
 * thread @tid of @pid, as text in @buf: *@at points at it.  0, or a
 * negative errno.
 */
static int stat_field(pid_t pid, pid_t tid, int field, char *buf, size_t len,
		      const char **at)
{
	char path[64], *p;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	if ((r = read_small(path, buf, len)))
		return r;
	/* the command name, field 2, is in parentheses and may hold
	 * anything: count from its end */
	p = strrchr(buf, ')');
	return (*at = p ? fields_on(p, field - 2) : NULL) ? 0 : -EINVAL;
}

/* Fill @pf from the stat (state, flags) and status (tgid, tracer) files of
 * thread @tid of @pid (the process itself if @tid is @pid). */
static int read_facts(pid_t pid, pid_t tid, struct proc_facts *pf)
{
	char buf[PROC_TEXT_MAX];
	uint64_t tgid, tracer;
	const char *at;
	int r;

	/* state, then flags, the 9th field */
	if ((r = stat_field(pid, tid, 3, buf, sizeof(buf), &at)))
		return r;
	if (sscanf(at, "%c %*d %*d %*d %*d %*d %lu", &pf->state, &pf->flags) !=
	    2)
		return -EINVAL;
	if ((r = read_status(pid, tid, buf, sizeof(buf))))
		return r;
	if (!status_number(buf, "Tgid", 10, &tgid) ||
	    !status_number(buf, "TracerPid", 10, &tracer))
		return -EINVAL;
	pf->tgid = (pid_t)tgid;
	pf->tracer = (pid_t)tracer;
	return 0;
}

/*
 * Whether the kernel refuses us ptrace access to @pid.  Opening its memory
 * needs the same permission as attaching (PTRACE_MODE_ATTACH), so this
 * catches another user's process before anything else reads /proc.
 */
static bool access_denied(pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0)
		close(fd);
	return fd < 0 && (errno == EACCES || errno == EPERM);
}

/*
 * A living user process always has a memory map, and the map is what
 * tells: a process being killed keeps its state letter for a while after
 * its memory is gone, and one whose state is Z or X (its main thread
 * included, which the map is read through) has released its memory
 * before (the kernel's exit_mm comes before exit_notify), so its map is
 * empty too.  One file read, not the stat file as well.
 */
bool proc_gone(pid_t pid)
{
	char path[64], c;
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, &c, 1);
		close(fd);
	}
	return n <= 0;
}

/* The refusal for thread @tid of @pid traced by @tracer, if it is. */
static int traced(pid_t pid, pid_t tid, pid_t tracer, struct error *err)
{
	char comm[64], tc[64];

	/* This suture, which holds another thread already: not a refusal
	 * (a thread it may not seize is checked by itself, and named). */
	if (!tracer || tracer == getpid())
		return 0;
	proc_comm(tracer, tracer, tc, sizeof(tc));
	if (!strcmp(tc, "suture"))
		return error_set(err, -EAGAIN,
				 "process %d is being changed by another "
				 "suture (PID %d)",
				 pid, tracer);
	return error_set(err, -EBUSY,
			 "process %d (%s) is already being traced by process "
			 "%d (%s); detach the debugger or tracer first",
			 pid, proc_comm(pid, tid, comm, sizeof(comm)), tracer,
			 tc);
}

int proc_check_target(pid_t pid, struct error *err)
{
	struct proc_facts pf;
	char comm[64];
	int r;

	if (pid <= 0)
		return error_set(err, -EINVAL, "%d is not a valid process ID",
				 pid);
	if (pid == getpid())
		return error_set(err, -EINVAL,
				 "process %d is suture itself; it cannot patch "
				 "itself",
				 pid);
	r = read_facts(pid, pid, &pf);
	if (r == -ENOENT)
		return error_set(err, -ESRCH, "no process with PID %d", pid);
	if (r)
		return error_set(err, r, "cannot read /proc/%d: %s", pid,
				 strerror(-r));
	if (pf.tgid != pid)
		return error_set(err, -EINVAL,
				 "%d is a thread of process %d; give the "
				 "process ID",
				 pid, pf.tgid);
	if (pf.state == 'Z' || pf.state == 'X')
		return error_set(err, -ESRCH,
				 "process %d (%s) is a zombie: it has exited "
				 "and has no code left to patch",
				 pid, proc_comm(pid, pid, comm, sizeof(comm)));
	if (pf.flags & PROC_PF_KTHREAD)
		return error_set(err, -EINVAL,
				 "process %d (%s) is a kernel thread, not a "
				 "user program",
				 pid, proc_comm(pid, pid, comm, sizeof(comm)));
	if (access_denied(pid))
		return proc_deny(pid, -EPERM, "trace", err);
	return traced(pid, pid, pf.tracer, err);
}

int proc_check_thread(pid_t pid, pid_t tid, struct error *err)
{
	struct proc_facts pf;

	if (read_facts(pid, tid, &pf))
		return 0;
	/* ours already, yet not seizable: a thread that exited as it was
	 * seized; the attempt starts again, as for another suture */
	if (pf.tracer == getpid())
		return error_set(err, -EAGAIN,
				 "thread %d of process %d is traced by this "
				 "suture already",
				 tid, pid);
	return traced(pid, tid, pf.tracer, err);
}

char *proc_comm(pid_t pid, pid_t tid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
	snprintf(buf, len, "?");
	if (!(f = fopen(path, "r")))
		return buf;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return buf;
}

size_t proc_path_len(const char *path, bool *deleted)
{
	static const char suffix[] = " (deleted)";
	size_t n = strlen(path), d = sizeof(suffix) - 1;
	bool del = n > d && !strcmp(path + n - d, suffix);

	if (deleted)
		*deleted = del;
	return del ? n - d : n;
}

int proc_map_open(pid_t pid, const struct proc_map *m)
{
	char path[4200];
	struct stat sb;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64,
		 pid, m->start, m->end);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0)
		return fd;
	snprintf(path, sizeof(path), "/proc/%d/root%s", pid, m->path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &sb) || sb.st_ino != m->inode) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

int proc_tasks(pid_t pid, pid_t **tids, size_t *n, struct error *err)
{
	char path[64];
	struct dirent *d;
	size_t cap = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	if (!(dir = opendir(path)))
		return errno == ENOENT || errno == ESRCH
			   ? error_set(err, -ESRCH, "process %d exited", pid)
			   : error_set(err, -errno,
				       "cannot list the threads of process "
				       "%d: %s",
				       pid, strerror(errno));
	*tids = NULL;
	*n = 0;
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		XGROW(*tids, cap, *n);
		(*tids)[(*n)++] = (pid_t)atoi(d->d_name);
	}
	closedir(dir);
	return 0;
}

char proc_thread_state(pid_t pid, pid_t tid)
{
	char buf[PROC_TEXT_MAX];
	const char *at;

	return stat_field(pid, tid, 3, buf, sizeof(buf), &at) ? 0 : *at;
}

char *proc_thread_wchan(pid_t pid, pid_t tid, char *buf, size_t len)
{
	char path[64];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", pid, tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	/* "0" when the kernel does not say (a running thread, or hidden) */
	if (n <= 0 || (n == 1 && buf[0] == '0'))
		n = snprintf(buf, len, "unknown");
	buf[n] = '\0';
	return buf;
}

int proc_uids(pid_t pid, unsigned uid[4])
{
	char buf[PROC_TEXT_MAX], *end;
	const char *at;
	int r;

	if ((r = read_status(pid, pid, buf, sizeof(buf))))
		return r;
	if (!(at = status_value(buf, "Uid")))
		return -EINVAL;
	for (int i = 0; i < 4; i++, at = end) {
		uid[i] = (unsigned)strtoul(at, &end, 10);
		if (end == at)
			return -EINVAL;
	}
	return 0;
}

pid_t proc_parent(pid_t pid)
{
	char buf[PROC_TEXT_MAX];
	const char *at;

	return stat_field(pid, pid, 4, buf, sizeof(buf), &at) ? 0 : atoi(at);
}

/* One stat() rather than reading a file: procfs counts a process's threads
 * in the link count of its task directory (2 + threads). */
long proc_thread_count(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	return stat(path, &st) || st.st_nlink < 2 ? -1 : (long)st.st_nlink - 2;
}

long proc_anon_pages(pid_t pid)
{
	char path[64];
	long size, resident, shared = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	if (!(f = fopen(path, "re")))
		return -1;
	if (fscanf(f, "%ld %ld %ld", &size, &resident, &shared) != 3)
		shared = -1;
	fclose(f);
	return shared < 0 ? -1 : resident - shared;
}

uint64_t proc_start_stack(pid_t pid)
{
	char buf[PROC_TEXT_MAX];
	const char *at;

	return stat_field(pid, pid, 28, buf, sizeof(buf), &at)
		   ? 0
		   : strtoull(at, NULL, 10);
}

int proc_thread_cpu(pid_t pid, pid_t tid)
{
	char buf[PROC_TEXT_MAX];
	const char *at;

	return stat_field(pid, tid, 39, buf, sizeof(buf), &at) ? -1 : atoi(at);
}

char proc_thread_place(pid_t pid, pid_t tid, int *cpu)
{
	char buf[PROC_TEXT_MAX], st;
	const char *at;

	*cpu = -1;
	if (stat_field(pid, tid, 3, buf, sizeof(buf), &at))
		return 0;
	st = *at;
	if ((at = fields_on(at - 1, 39 - 3)))
		*cpu = atoi(at);
	return st;
}

int proc_thread_runs_on(pid_t pid, pid_t tid)
{
	int cpu;

	return proc_thread_place(pid, tid, &cpu) == 'R' ? cpu : -1;
}

int proc_thread_signals(pid_t pid, pid_t tid, uint64_t *blocked,
			uint64_t *caught)
{
	struct proc_thread_status st;
	int r = proc_thread_status(pid, tid, &st);

	*blocked = st.blocked;
	*caught = st.caught;
	return r;
}

/* What status text @buf says of the thread's signals and seccomp mode. */
static int parse_thread_status(const char *buf, struct proc_thread_status *st)
{
	uint64_t seccomp = 0;

	/* no Seccomp line: a kernel without it */
	if (status_number(buf, "Seccomp", 10, &seccomp))
		st->seccomp = (int)seccomp;
	return status_number(buf, "SigBlk", 16, &st->blocked) &&
		       status_number(buf, "SigCgt", 16, &st->caught)
		   ? 0
		   : -ENOENT;
}

int proc_thread_status(pid_t pid, pid_t tid, struct proc_thread_status *st)
{
	int fd = proc_thread_status_open(pid, tid), r;

	if (fd < 0) {
		memset(st, 0, sizeof(*st));
		return fd;
	}
	r = proc_thread_status_at(fd, st);
	close(fd);
	return r;
}

int proc_thread_status_open(pid_t pid, pid_t tid)
{
	char path[64];
	int fd;

	status_path(path, pid, tid);
	return (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ? -errno : fd;
}

int proc_thread_status_at(int fd, struct proc_thread_status *st)
{
	char buf[PROC_TEXT_MAX];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	memset(st, 0, sizeof(*st));
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return parse_thread_status(buf, st);
}

pid_t proc_quiet_thread(pid_t pid)
{
	pid_t *tids, quiet = pid;
	size_t n;

	/* a lone thread is the answer whatever it does: one stat() instead
	 * of listing the threads and reading the state of each */
	if (proc_thread_count(pid) == 1 || proc_tasks(pid, &tids, &n, NULL))
		return pid;
	for (size_t i = 0; i < n; i++)
		if (proc_thread_state(pid, tids[i]) == 'S') {
			quiet = tids[i];
			break;
		}
	free(tids);
	return quiet;
}

int proc_deny(pid_t pid, int code, const char *what, struct error *err)
{
	char comm[64], why[512];

	privilege_missing(pid, why, sizeof(why));
	return error_set(err, code, "not permitted to %s process %d (%s): %s",
			 what, pid, proc_comm(pid, pid, comm, sizeof(comm)),
			 why);
}
