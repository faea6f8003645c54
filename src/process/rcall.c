/* rcall.c - calling a function in the stopped target (rcall.h). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "process/rcall.h"
#include "util/fault.h"
#include "util/xalloc.h"

/* A signal that means the function itself faulted. */
static bool fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
	       sig == SIGFPE || sig == SIGTRAP || sig == SIGABRT;
}

/*
 * Let @t run until the function returns: the system-call stop of the
 * stub's park point.  Its own system calls stop it too, and go on.
 * Returns 0, -ETIMEDOUT, -EFAULT (with the signal in *sig) or -ESRCH.
 */
static int until_return(struct session *s, struct rsys *r,
			struct session_thread *t, uint64_t deadline, int *sig,
			uint64_t *ret)
{
	uint64_t back = r->cave + arch_rescue_parked();
	arch_regs regs;
	int st, e;

	for (;;) {
		if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
			return -ESRCH;
		if ((e = session_wait_until(s, t, &st, deadline)))
			return e;
		if (!WIFSTOPPED(st))
			continue;
		t->in_syscall = WSTOPSIG(st) == (SIGTRAP | 0x80);
		if (!t->in_syscall && (st >> 16) != PTRACE_EVENT_STOP) {
			*sig = WSTOPSIG(st);
			if (fault_signal(*sig))
				return -EFAULT;
			session_hold_sig(t, *sig); /* SIGSTOP */
			continue;
		}
		if (t->in_syscall &&
		    !ptrace(PTRACE_GETREGS, t->tid, 0, &regs) &&
		    arch_regs_pc(&regs) == back) {
			*ret = arch_rescue_retval(&regs);
			return 0;
		}
	}
}

/*
 * Put @t back as it was before the call: parked, its vector state too.  A
 * function that returned left it at the entry of the park point's system
 * call: that call is skipped (the parked registers say so) and run to its
 * exit, where rsyscall expects a parked thread to be.
 */
static int restore(struct session *s, struct rsys *r, struct session_thread *t,
		   struct iovec *fp)
{
	struct error ignored = {""};
	arch_regs parked;

	rsyscall_parked_regs(r, t, &parked);
	if (ptrace(PTRACE_SETREGS, t->tid, 0, &parked) < 0)
		return -errno;
	if (t->in_syscall && rsyscall_step(s, t, &ignored) < 0)
		return -ESRCH;
	if (ptrace(PTRACE_SETREGSET, t->tid, arch_fp_regset, fp) < 0)
		return -errno;
	return 0;
}

/* Set @t up to call @fn, returning into the stub. */
static int start(struct rsys *r, struct session_thread *t, uint64_t fn,
		 struct error *err)
{
	unsigned char frame[ARCH_FRAME_MAX];
	arch_regs regs = t->regs;
	uint64_t at;
	size_t len;
	int e;

	arch_call_setup(&regs, fn, r->cave + arch_rescue_return(), frame, &len,
			&at);
	if ((e = rmem_write(r->mem, at, frame, len, err)))
		return e;
	if (ptrace(PTRACE_SETREGS, t->tid, 0, &regs) < 0)
		return error_set(err, -errno,
				 "cannot set the registers of thread %d: %s",
				 t->tid, strerror(errno));
	fault_point("call set up");
	return 0;
}

/* The error for a call that ended with @e. */
static int failed(int e, const char *name, unsigned timeout_ms, int sig,
		  pid_t pid, struct error *err)
{
	if (e == -ETIMEDOUT)
		return error_set(err, e,
				 "%s did not return within %u ms; the thread "
				 "running it was taken out of it",
				 name, timeout_ms);
	if (e == -EFAULT)
		return error_set(err, e, "%s crashed (%s) and was stopped",
				 name, strsignal(sig));
	return error_set(err, -ESRCH, "process %d exited while %s ran", pid,
			 name);
}

int rcall_word(struct session *s, struct rsys *r, uint64_t fn, const char *name,
	       unsigned timeout_ms, uint64_t *ret, struct error *err)
{
	struct session_thread *t = rsyscall_ready(s, r, err);
	struct iovec fp = {xmalloc(ARCH_FP_MAX), ARCH_FP_MAX};
	int e, sig = 0;

	if (!t) {
		e = -EIO;
		goto out;
	}
	if (ptrace(PTRACE_GETREGSET, t->tid, arch_fp_regset, &fp) < 0) {
		e = error_set(err, -errno,
			      "cannot read the vector registers of thread "
			      "%d: %s",
			      t->tid, strerror(errno));
		goto out;
	}
	if ((e = start(r, t, fn, err)))
		goto out;
	e = until_return(s, r, t,
			 session_now_ns() + (uint64_t)timeout_ms * 1000000u,
			 &sig, ret);
	if (e == -ETIMEDOUT && session_interrupt(s, t) < 0)
		e = -ESRCH;
	if (e != -ESRCH && restore(s, r, t, &fp) < 0)
		e = -ESRCH;
	if (e)
		e = failed(e, name, timeout_ms, sig, s->pid, err);
out:
	free(fp.iov_base);
	return e;
}

int rcall(struct session *s, struct rsys *r, uint64_t fn, const char *name,
	  unsigned timeout_ms, long *ret, struct error *err)
{
	uint64_t word = 0;
	int e = rcall_word(s, r, fn, name, timeout_ms, &word, err);

	*ret = (int32_t)word; /* hooks return int */
	return e;
}
