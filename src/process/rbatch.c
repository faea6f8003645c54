/* rbatch.c - a batch of injected system calls, one stop (rbatch.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "process/rbatch.h"
#include "util/fault.h"
#include "util/xalloc.h"

#define WORDS (ARCH_BATCH_ENTRY / 8)

/* Bytes of the table (the calls and the notify entry) and the data. */
static size_t table_size(size_t n)
{
	return (n + 1) * ARCH_BATCH_ENTRY;
}

uint64_t rbatch_data_at(struct session *s, size_t n, size_t len)
{
	return rsyscall_scratch(s, table_size(n) + len) + table_size(n);
}

/* A call's arguments, with the kept descriptor @fd where it goes. */
static void args_of(const struct rbatch_call *c, long fd, uint64_t args[6])
{
	memcpy(args, c->args, sizeof(c->args));
	if (c->flags & ARCH_BATCH_FD0)
		args[0] = (uint64_t)fd;
	if (c->flags & ARCH_BATCH_FD4)
		args[4] = (uint64_t)fd;
}

/* The calls one by one, two stops each. */
static int one_by_one(struct session *s, struct rsys *r, struct rbatch_call *c,
		      size_t n, struct error *err)
{
	long fd = -1;
	int e;

	for (size_t i = 0; i < n; i++) {
		uint64_t args[6];

		args_of(&c[i], fd, args);
		if ((e = rsyscall(s, r, c[i].nr, args, &c[i].ret, err)))
			return e;
		if ((unsigned long)c[i].ret >= -4095ul)
			break;
		if (c[i].flags & ARCH_BATCH_KEEP)
			fd = c[i].ret;
	}
	return 0;
}

/* Signals the program catches, from the thread's status; all if unknown. */
static uint64_t caught(pid_t pid, pid_t tid)
{
	char path[64], line[256];
	unsigned long long cgt = ~0ull;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	if (!(fp = fopen(path, "r")))
		return cgt;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "SigCgt: %llx", &cgt) == 1)
			break;
	fclose(fp);
	return cgt;
}

/*
 * The signal to end the batch with: ignored by default, not caught, and
 * not blocked by @t as it was found (so that no signalfd or sigwait of the
 * program could have been waiting for one that comes meanwhile: the
 * program discards them whichever thread takes them).  0 if none.
 */
static int notify_signal(struct session *s, const struct session_thread *t)
{
	static const int quiet[] = {SIGURG, SIGWINCH, SIGCHLD};
	uint64_t no = caught(s->pid, t->tid) | t->sigmask;

	for (size_t i = 0; i < sizeof(quiet) / sizeof(*quiet); i++)
		if (!(no & (1ull << (quiet[i] - 1))))
			return quiet[i];
	return 0;
}

/*
 * Whether the batch may run: 1 yes, 0 (one by one instead) if the filters
 * look at a descriptor an earlier call makes or forbid the notify call,
 * <0 if they forbid a call (which one by one would refuse too).
 */
static int filters_allow(struct session *s, struct rsys *r,
			 const struct rbatch_call *c, size_t n,
			 const uint64_t notify[6], struct error *err)
{
	uint64_t ip = r->cave + arch_rescue_len() + arch_batch_insn();
	int e;

	for (size_t i = 0; i < n; i++) {
		uint64_t args[6];

		if (((c[i].flags & ARCH_BATCH_FD0) &&
		     seccomp_reads_arg(&r->sc, 0)) ||
		    ((c[i].flags & ARCH_BATCH_FD4) &&
		     seccomp_reads_arg(&r->sc, 4)))
			return 0;
		args_of(&c[i], 0, args);
		if ((e = seccomp_allows(&r->sc, s->pid, c[i].nr, ip, args,
					err)))
			return e;
	}
	return !seccomp_allows(&r->sc, s->pid, SYS_tgkill, ip, notify, NULL);
}

/* The table and the data, as written into the target. */
static unsigned char *encode(const struct rbatch_call *c, size_t n,
			     const uint64_t notify[6], const void *data,
			     size_t len)
{
	unsigned char *buf = xcalloc(1, table_size(n) + len);
	uint64_t *w = (uint64_t *)buf;

	for (size_t i = 0; i <= n; i++, w += WORDS) {
		w[0] = (uint64_t)(i < n ? c[i].nr : SYS_tgkill);
		memcpy(w + 1, i < n ? c[i].args : notify, 6 * 8);
		w[7] = i < n ? c[i].flags : 0;
		w[8] = (uint64_t)RBATCH_NOT_RUN;
	}
	memcpy(buf + table_size(n), data, len);
	return buf;
}

static int set_mask(struct session *s, struct session_thread *t, uint64_t mask,
		    struct error *err)
{
	if (ptrace(PTRACE_SETSIGMASK, t->tid, sizeof(mask), &mask) < 0)
		return error_set(err, -errno,
				 "cannot set the signal mask of thread %d of "
				 "process %d: %s",
				 t->tid, s->pid, strerror(errno));
	return 0;
}

/*
 * Let @t run the batch until it stops right after the notify call.  Other
 * stops are not ours: an interrupt or group stop is passed, another
 * signal held for session_close, and @sig itself from elsewhere dropped
 * (the program ignores it).  Left in that signal-delivery-stop, which
 * session_close and rsyscall resume from as from an interrupt stop.
 */
static int wait_done(struct session *s, struct session_thread *t, int sig,
		     uint64_t tail, uint64_t notify, struct error *err)
{
	arch_regs regs;
	int st;

	for (;;) {
		if (ptrace(PTRACE_CONT, t->tid, 0, 0) < 0 ||
		    session_wait(s, t, &st) < 0)
			return error_set(
			    err, -ESRCH,
			    "process %d exited (thread %d vanished "
			    "while running injected system calls); "
			    "nothing is left to undo",
			    s->pid, t->tid);
		if (!WIFSTOPPED(st) || (st >> 16) == PTRACE_EVENT_STOP)
			continue;
		if (WSTOPSIG(st) != sig) {
			session_hold_sig(t, WSTOPSIG(st));
			continue;
		}
		if (ptrace(PTRACE_GETREGS, t->tid, 0, &regs) == 0 &&
		    arch_batch_done(&regs, tail, notify))
			break;
	}
	t->in_syscall = false;
	t->sig_stop = true;
	return 0;
}

/* Run the encoded batch @buf at @at and read the results back. */
static int run(struct session *s, struct rsys *r, struct session_thread *t,
	       int sig, struct rbatch_call *c, size_t n, unsigned char *buf,
	       size_t size, uint64_t at, struct error *err)
{
	uint64_t tail = r->cave + arch_rescue_len();
	uint64_t notify = at + n * ARCH_BATCH_ENTRY;
	arch_regs regs;
	int e;

	rsyscall_parked_regs(r, t, &regs);
	arch_batch_setup(&regs, tail, at, n, notify);
	if ((e = rmem_write(r->mem, at, buf, size, err)))
		return e;
	if ((e = rsyscall_set_regs(s, t, &regs, err)))
		return e;
	fault_point("batch set up");
	if ((e = set_mask(s, t, ~(1ull << (sig - 1)), err)) ||
	    (e = wait_done(s, t, sig, tail, notify, err)))
		return e;
	fault_point("batch done");
	if ((e = set_mask(s, t, ~0ull, err)) ||
	    (e = rmem_read(r->mem, at, buf, table_size(n), err)))
		return e;
	for (size_t i = 0; i < n; i++)
		memcpy(&c[i].ret, buf + i * ARCH_BATCH_ENTRY + 64, 8);
	/* The table holds the addresses mapped: left in the dead part of
	 * the stack, they could later look like references to them
	 * (refscan.h) and keep a replaced region from being freed. */
	memset(buf, 0, size);
	return rmem_write(r->mem, at, buf, size, err);
}

int rbatch_run(struct session *s, struct rsys *r, struct rbatch_call *c,
	       size_t n, const void *data, size_t len, struct error *err)
{
	struct session_thread *t = rsyscall_ready(s, r, err);
	uint64_t at = rsyscall_scratch(s, table_size(n) + len);
	uint64_t notify[6] = {(uint64_t)s->pid, 0};
	unsigned char *buf;
	int sig, e;

	if (!t)
		return -EIO;
	for (size_t i = 0; i < n; i++)
		c[i].ret = RBATCH_NOT_RUN;
	notify[1] = (uint64_t)t->tid;
	notify[2] = (uint64_t)(sig = r->batch ? notify_signal(s, t) : 0);
	if (!sig || (e = filters_allow(s, r, c, n, notify, err)) == 0)
		return rmem_write(r->mem, at + table_size(n), data, len, err)
			   ?: one_by_one(s, r, c, n, err);
	if (e < 0)
		return e;
	buf = encode(c, n, notify, data, len);
	e = run(s, r, t, sig, c, n, buf, table_size(n) + len, at, err);
	free(buf);
	return e;
}
