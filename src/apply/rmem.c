/* rmem.c - target memory access through /proc/PID/mem, or without it
 * (rmem.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apply/proc.h"
#include "apply/rmem.h"

int rmem_open(struct rmem *m, pid_t pid, bool write, struct error *err)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	m->pid = pid;
	m->fd = open(path, (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (m->fd >= 0)
		return 0;
	/* The file is its owner's alone; ptrace access may still be ours. */
	if (errno == EACCES && proc_traceable(pid))
		return 0;
	if (errno == EACCES || errno == EPERM)
		return proc_deny(pid, -errno, "read the memory of", err);
	if (errno == ENOENT || errno == ESRCH)
		return error_set(err, -ESRCH, "process %d exited", pid);
	return error_set(err, -errno, "cannot open %s: %s", path,
			 strerror(errno));
}

void rmem_close(struct rmem *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

/* Without the file: process_vm_readv/writev need only ptrace access, but
 * reach only pages the program itself may read or write. */
static ssize_t vm_xfer(const struct rmem *m, uint64_t addr, void *buf,
		       size_t len, bool wr)
{
	struct iovec local = {buf, len}, remote = {(void *)addr, len};

	return wr ? process_vm_writev(m->pid, &local, 1, &remote, 1, 0)
		  : process_vm_readv(m->pid, &local, 1, &remote, 1, 0);
}

/* A thread of @pid in a ptrace stop of ours, or -ESRCH. */
static pid_t stopped_tracee(pid_t pid, uint64_t addr)
{
	pid_t *tids, tid = -ESRCH;
	size_t n;

	if (proc_tasks(pid, &tids, &n, NULL))
		return -ESRCH;
	for (size_t i = 0; i < n && tid < 0; i++) {
		errno = 0;
		ptrace(PTRACE_PEEKDATA, tids[i], (void *)addr, NULL);
		if (errno != ESRCH)
			tid = tids[i];
	}
	free(tids);
	return tid;
}

/* A thread stopped here for one forced transfer (no session holds one). */
struct brief {
	pid_t tid;
	bool seized; /* seized for this: detached after; else already ours */
	bool group;  /* its stop is a group-stop (the process is stopped) */
};

/* Wait for @b's PTRACE_EVENT_STOP, passing signals on; false if gone. */
static bool wait_event_stop(struct brief *b)
{
	int st;

	for (;;) {
		if (waitpid(b->tid, &st, __WALL) < 0 || !WIFSTOPPED(st))
			return false;
		if (st >> 16 == PTRACE_EVENT_STOP) {
			b->group = WSTOPSIG(st) != SIGTRAP;
			return true;
		}
		if (ptrace(PTRACE_CONT, b->tid, NULL,
			   (void *)(long)WSTOPSIG(st)))
			return false;
	}
}

/* Stop one thread of @pid, as a debugger would, to reach read-only or
 * inaccessible pages with PTRACE_PEEKDATA/POKEDATA. */
static int brief_stop(pid_t pid, struct brief *b)
{
	pid_t *tids;
	size_t n;
	int r = -EPERM;

	if (proc_tasks(pid, &tids, &n, NULL))
		return -ESRCH;
	for (size_t i = 0; i < n && r; i++) {
		b->tid = tids[i];
		b->seized = !ptrace(PTRACE_SEIZE, b->tid, NULL, NULL);
		if (!ptrace(PTRACE_INTERRUPT, b->tid, NULL, NULL) &&
		    wait_event_stop(b))
			r = 0;
		else if (b->seized)
			ptrace(PTRACE_DETACH, b->tid, NULL, NULL);
	}
	free(tids);
	return r;
}

/* Let @b go as it was: detached, or running (listening if stopped). */
static void brief_end(const struct brief *b)
{
	if (b->seized)
		ptrace(PTRACE_DETACH, b->tid, NULL, NULL);
	else
		ptrace(b->group ? PTRACE_LISTEN : PTRACE_CONT, b->tid, NULL,
		       NULL);
}

/* Word by word through stopped thread @tid, with FOLL_FORCE like
 * /proc/PID/mem: as a debugger reads memory and sets a breakpoint. */
static int peek_poke(pid_t tid, uint64_t addr, char *buf, size_t len, bool wr)
{
	for (size_t done = 0; done < len;) {
		uint64_t at = (addr + done) & ~7ul, skip = addr + done - at;
		size_t n = len - done < 8 - skip ? len - done : 8 - skip;
		long word;

		errno = 0;
		word = ptrace(PTRACE_PEEKDATA, tid, (void *)at, NULL);
		if (errno)
			return errno == EIO ? -EFAULT : -errno;
		if (!wr)
			memcpy(buf + done, (char *)&word + skip, n);
		else if (memcpy((char *)&word + skip, buf + done, n),
			 ptrace(PTRACE_POKEDATA, tid, (void *)at, (void *)word))
			return errno == EIO ? -EFAULT : -errno;
		done += n;
	}
	return 0;
}

/* What process_vm_readv/writev could not do: through a thread stopped by
 * the caller's session, or else stopped here for the moment. */
static int forced(const struct rmem *m, uint64_t addr, char *buf, size_t len,
		  bool wr)
{
	pid_t tid = stopped_tracee(m->pid, addr & ~7ul);
	struct brief b;
	int r;

	if (tid > 0)
		return peek_poke(tid, addr, buf, len, wr);
	if ((r = brief_stop(m->pid, &b)))
		return r;
	r = peek_poke(b.tid, addr, buf, len, wr);
	brief_end(&b);
	return r;
}

/* One transfer, which may be short; @wr: a write. */
static ssize_t one_xfer(const struct rmem *m, uint64_t addr, char *buf,
			size_t len, bool wr)
{
	if (m->fd < 0)
		return vm_xfer(m, addr, buf, len, wr);
	return wr ? pwrite(m->fd, buf, len, (off_t)addr)
		  : pread(m->fd, buf, len, (off_t)addr);
}

/* Loop over short transfers; @wr selects pwrite. */
static int xfer(const struct rmem *m, uint64_t addr, void *buf, size_t len,
		bool wr)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = one_xfer(m, addr + done, (char *)buf + done,
				     len - done, wr);

		if (n < 0 && m->fd < 0 && errno == EFAULT)
			return forced(m, addr + done, (char *)buf + done,
				      len - done, wr);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EFAULT;
		done += (size_t)n;
	}
	return 0;
}

int rmem_read(const struct rmem *m, uint64_t addr, void *buf, size_t len,
	      struct error *err)
{
	int r = xfer(m, addr, buf, len, false);

	if (r)
		return error_set(err, r,
				 "cannot read %zu bytes at %#" PRIx64
				 " in process %d: %s",
				 len, addr, m->pid, strerror(-r));
	return 0;
}

int rmem_write(const struct rmem *m, uint64_t addr, const void *buf, size_t len,
	       struct error *err)
{
	int r = xfer(m, addr, (void *)buf, len, true);

	if (r)
		return error_set(err, r,
				 "cannot write %zu bytes at %#" PRIx64
				 " in process %d: %s",
				 len, addr, m->pid, strerror(-r));
	return 0;
}
