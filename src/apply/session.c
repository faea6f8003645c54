/*
 * session.c - stopping and releasing all threads of a target with ptrace.
 *
 * PTRACE_SEIZE (rather than PTRACE_ATTACH) attaches without sending SIGSTOP,
 * so the program never sees a stop signal, and PTRACE_INTERRUPT then stops
 * a thread wherever it is, including inside a blocking system call: the
 * call is interrupted with an internal -ERESTART* code that the kernel turns
 * into a transparent restart when the thread resumes.  The program observes
 * nothing but the time it lost.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apply/proc.h"
#include "apply/session.h"
#include "util/xalloc.h"
#include "util/phase.h"

uint64_t session_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct session_thread *session_find(struct session *s, pid_t tid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i].tid == tid)
			return &s->t[i];
	return NULL;
}

void session_hold_sig(struct session_thread *t, int sig)
{
	if (t->nsigs < SESSION_MAX_SIGS)
		t->sigs[t->nsigs++] = sig;
}

static bool exited(int st)
{
	return WIFEXITED(st) || WIFSIGNALED(st);
}

/* How long session_wait_until sleeps between looks: short, as a called
 * hook usually returns within microseconds. */
#define WAIT_POLL_NS 20000

/* waitpid for any thread; with a @deadline (CLOCK_MONOTONIC ns, 0 for
 * none) polls until then, and returns 0 if nothing came. */
static pid_t wait_any(int *st, uint64_t deadline)
{
	const struct timespec nap = {0, WAIT_POLL_NS};
	pid_t p;

	if (!deadline)
		return waitpid(-1, st, __WALL);
	while (!(p = waitpid(-1, st, __WALL | WNOHANG)) &&
	       session_now_ns() < deadline)
		nanosleep(&nap, NULL);
	return p;
}

int session_wait(struct session *s, struct session_thread *t, int *st)
{
	return session_wait_until(s, t, st, 0);
}

int session_wait_until(struct session *s, struct session_thread *t, int *st,
		       uint64_t deadline)
{
	if (t->gone)
		return -ESRCH; /* its exit was reaped already */
	if (t->has_pending) {
		t->has_pending = false;
		*st = t->pending;
	} else {
		for (;;) {
			struct session_thread *o;
			pid_t p = wait_any(st, deadline);

			if (p == 0)
				return -ETIMEDOUT;
			if (p < 0 && errno == EINTR)
				continue;
			if (p < 0 || p == t->tid)
				break;
			if (!(o = session_find(s, p)))
				continue; /* not one of ours */
			if (exited(*st)) {
				o->gone = true;
			} else {
				o->pending = *st;
				o->has_pending = true;
			}
		}
	}
	if (exited(*st) || t->gone) {
		t->gone = true;
		return -ESRCH;
	}
	return 0;
}

/*
 * Wait until thread @t reports the stop PTRACE_INTERRUPT asked for.
 * Returns 0 when stopped, -ESRCH if the thread exited meanwhile.
 */
static int wait_stopped(struct session *s, struct session_thread *t)
{
	int st;

	do {
		if (session_wait(s, t, &st) < 0)
			return -ESRCH;
	} while (!WIFSTOPPED(st));
	/*
	 * PTRACE_EVENT_STOP is the interrupt stop (or a group stop if the
	 * process was stopped by job control).  Anything else is a
	 * signal-delivery-stop that happened to come first: the thread is
	 * just as stopped, but the signal would be lost when we resume it
	 * with 0, so hold it for re-delivery.  The interrupt still pending
	 * is discarded by PTRACE_DETACH.
	 */
	if ((st >> 16) == PTRACE_EVENT_STOP) {
		t->sig_stop = false;
	} else {
		t->sig_stop = true;
		session_hold_sig(t, WSTOPSIG(st));
	}
	return 0;
}

int session_interrupt(struct session *s, struct session_thread *t)
{
	if (ptrace(PTRACE_INTERRUPT, t->tid, 0, 0) < 0)
		return -ESRCH;
	t->in_syscall = false;
	return wait_stopped(s, t);
}

/* Whether @tid is already held by @s. */
static bool held(struct session *s, pid_t tid)
{
	return session_find(s, tid) != NULL;
}

/*
 * Seize and interrupt every thread of the process not yet held; all
 * interrupts go out before the first wait so the threads stop in parallel.
 * *added counts the threads newly held.
 */
static int stop_new_threads(struct session *s, size_t *added, struct error *err)
{
	size_t ntids, first = s->n;
	pid_t *tids;
	int r;

	if ((r = proc_tasks(s->pid, &tids, &ntids, err)))
		return r;
	for (size_t i = 0; i < ntids; i++) {
		if (held(s, tids[i]))
			continue;
		if (ptrace(PTRACE_SEIZE, tids[i], 0, PTRACE_O_TRACESYSGOOD) <
		    0) {
			if (errno == ESRCH) /* exited since listed */
				continue;
			/* EPERM: someone attached since we looked (maybe
			 * another suture), or we may not trace it. */
			r = errno == EPERM
				? (proc_check_target(s->pid, err)
				       ?: proc_deny(s->pid, -EPERM, "trace",
						    err))
				: error_set(err, -errno,
					    "cannot attach to thread "
					    "%d of process %d: %s",
					    tids[i], s->pid, strerror(errno));
			break;
		}
		if (!s->stop_ns)
			s->stop_ns = session_now_ns();
		/* A seized thread stays traced even if the interrupt fails
		 * (it exited): keep it so that close detaches it. */
		XGROW(s->t, s->cap, s->n);
		memset(&s->t[s->n], 0, sizeof(s->t[s->n]));
		s->t[s->n++].tid = tids[i];
		ptrace(PTRACE_INTERRUPT, tids[i], 0, 0);
	}
	free(tids);
	for (size_t i = first; i < s->n; i++)
		wait_stopped(s, &s->t[i]);
	/* Threads that exited before stopping: forget them. */
	for (size_t i = first; i < s->n; i++)
		if (s->t[i].gone)
			s->t[i--] = s->t[--s->n];
	*added = s->n - first;
	return r;
}

int session_open(struct session *s, pid_t pid, struct error *err)
{
	phase_begin("attach");
	size_t added;
	int r;

	memset(s, 0, sizeof(*s));
	s->pid = pid;
	s->open = true;
	/*
	 * A thread not yet stopped may create another one, which appears in
	 * /proc/PID/task only after our listing.  Once every listed thread
	 * is stopped no one is left to create threads except those found
	 * now, so listing again until nothing new shows up terminates with
	 * the whole process stopped.
	 */
	do {
		if ((r = stop_new_threads(s, &added, err)))
			goto out_release;
	} while (added);
	if (!s->n) {
		r = error_set(err, -ESRCH, "process %d exited", pid);
		goto out_release;
	}
	for (size_t i = 0; i < s->n; i++) {
		if (ptrace(PTRACE_GETREGS, s->t[i].tid, 0, &s->t[i].regs) < 0) {
			/* A held thread only vanishes if the process is
			 * killed. */
			r = errno == ESRCH
				? error_set(err, -ESRCH, "process %d exited",
					    pid)
				: error_set(err, -errno,
					    "cannot read the registers of "
					    "thread %d of process %d: %s",
					    s->t[i].tid, pid, strerror(errno));
			goto out_release;
		}
	}
	return 0;
out_release:
	session_close(s, NULL);
	return r;
}

/*
 * Move @t from a system-call stop to an interrupt stop.  The registers it
 * gets back may hold an interrupted system call that the kernel must
 * restart (rax = -ERESTART*); the kernel decides that when the thread
 * leaves get_signal(), which a system-call stop does not pass through, so
 * the thread must be resumed from an interrupt stop.  Interrupting, then
 * continuing, stops it again before it runs a single instruction.
 */
static int settle(struct session *s, struct session_thread *t)
{
	if (ptrace(PTRACE_INTERRUPT, t->tid, 0, 0) < 0 ||
	    ptrace(PTRACE_CONT, t->tid, 0, 0) < 0)
		return -ESRCH;
	t->in_syscall = false;
	return wait_stopped(s, t);
}

/* Release one thread, putting back registers and held signals. */
static int release(struct session *s, struct session_thread *t,
		   struct error *err)
{
	int inject = 0, r = 0;
	size_t from = 0;

	if (t->gone)
		return 0;
	if (t->in_syscall && settle(s, t) < 0)
		r = error_set(err, -ESRCH,
			      "thread %d of process %d vanished while being "
			      "released",
			      t->tid, s->pid);

	/* A call that saw EINTR only because we stopped it runs again. */
	if (!t->nsigs && arch_regs_unintr(&t->regs))
		t->dirty = true;
	/*
	 * Registers first: rsyscall() left its own in the kernel's copy, and
	 * restoring the saved ones (orig_rax and the -ERESTART* rax
	 * included) is what lets an interrupted system call restart.
	 */
	if (t->dirty && ptrace(PTRACE_SETREGS, t->tid, 0, &t->regs) < 0)
		r = error_set(err, -errno,
			      "cannot restore the registers of thread %d of "
			      "process %d: %s",
			      t->tid, s->pid, strerror(errno));
	/* The signal mask too: pending signals are delivered once free. */
	if (t->mask_dirty && ptrace(PTRACE_SETSIGMASK, t->tid,
				    sizeof(t->sigmask), &t->sigmask) < 0)
		r = error_set(err, -errno,
			      "cannot restore the signal mask of thread %d of "
			      "process %d: %s",
			      t->tid, s->pid, strerror(errno));
	/* Only a signal-delivery-stop can take a signal with the detach. */
	if (t->sig_stop && t->nsigs) {
		inject = t->sigs[0];
		from = 1;
	}
	if (ptrace(PTRACE_DETACH, t->tid, 0, (void *)(long)inject) < 0 &&
	    errno != ESRCH)
		r = error_set(err, -errno,
			      "cannot detach from thread %d of process %d: %s",
			      t->tid, s->pid, strerror(errno));
	/* Any other held signal is queued again, now that it is free. */
	for (size_t i = from; i < t->nsigs; i++)
		syscall(SYS_tgkill, s->pid, t->tid, t->sigs[i]);
	return r;
}

int session_close(struct session *s, struct error *err)
{
	int r = 0, e;

	if (!s->open)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		if ((e = release(s, &s->t[i], err)) && !r)
			r = e;
	if (s->stop_ns)
		s->pause_ns = session_now_ns() - s->stop_ns;
	free(s->t);
	s->t = NULL;
	s->open = false;
	return r;
}
