/*
 * finish.c - holding a thread where it returns out of forbidden code
 * (finish.h; finishexit.c finds where that is).
 *
 * While suture waits, the waited-for thread and the lock's thread are
 * seized and run; every stop they report is answered at once, as a
 * debugger would: a signal of the program's is passed on with the resume,
 * our own SIGTRAP is suppressed, a group stop (the process was stopped)
 * ends the wait with the thread left in it.  Waits use SIGCHLD, which the
 * kernel sends the tracer at each stop, so suture sleeps until something
 * happens or the deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch/arch.h"
#include "process/finish.h"
#include "process/privilege.h"
#include "process/proc.h"
#include "util/fault.h"

/*
 * The signals the breakpoint may stop the thread with, by preference:
 * ignored by default, so one sent as suture dies is dropped.
 */
static const int trap_sigs[] = {SIGURG, SIGWINCH, SIGCHLD};
/* Longest sleep between looks, should a SIGCHLD go missing. */
#define FINISH_NAP_NS 100000000ull

struct wait_ctx {
	pid_t pid;
	pid_t lock; /* the lock's thread, or 0 */
	const struct finish_exit *x;
	uint64_t deadline;
	int fd;	 /* the breakpoint, or -1 */
	int sig; /* the signal it sends */
	sigset_t chld;
	enum { RUNNING, HELD, GROUPED } at; /* the waited-for thread */
};

/* The next wait status of any tracee: 0, -ETIMEDOUT at the deadline (0:
 * none), -ECHILD if suture has no tracee left. */
static int next_event(struct wait_ctx *c, uint64_t deadline, pid_t *p, int *st)
{
	for (;;) {
		uint64_t now, left;
		struct timespec ts;

		if ((*p = waitpid(-1, st, __WALL | WNOHANG)) > 0)
			return 0;
		if (*p < 0 && errno != EINTR)
			return -ECHILD;
		now = session_now_ns();
		if (deadline && now >= deadline)
			return -ETIMEDOUT;
		left = deadline ? deadline - now : FINISH_NAP_NS;
		left = left < FINISH_NAP_NS ? left : FINISH_NAP_NS;
		ts.tv_sec = (time_t)(left / 1000000000u);
		ts.tv_nsec = (long)(left % 1000000000u);
		sigtimedwait(&c->chld, NULL, &ts);
	}
}

/* Whether @tid is in a signal-delivery-stop for our breakpoint: the
 * signal the descriptor's owner gets (F_SETSIG) names the descriptor. */
static bool our_trap(const struct wait_ctx *c, pid_t tid, int st)
{
	siginfo_t si;

	return WSTOPSIG(st) == c->sig && !(st >> 16) &&
	       !ptrace(PTRACE_GETSIGINFO, tid, 0, &si) &&
	       si.si_code == POLL_IN && si.si_fd == c->fd;
}

/* Whether the thread, trapped at the breakpoint, has left for good: a
 * recursive call deeper down returns to the same address with a lower
 * stack pointer. */
static bool left_for_good(const struct wait_ctx *c)
{
	arch_regs r;

	return !ptrace(PTRACE_GETREGS, c->x->tid, 0, &r) &&
	       arch_regs_pc(&r) == c->x->ra && arch_regs_sp(&r) >= c->x->cfa;
}

/* What a stop of a tracee meant. */
enum stop_kind {
	STOP_NONE,	/* answered; it runs on */
	STOP_OURS,	/* our breakpoint (not answered) */
	STOP_INTERRUPT, /* an interrupt stop (not answered) */
	STOP_GROUP,	/* the process is stopped; left so */
	STOP_GONE,	/* it exited */
};

/*
 * Answer wait status @st of tracee @p: a group stop is left as it is
 * (the lock's thread with PTRACE_LISTEN, the only way a seized thread
 * stays in it), a signal of the program's goes on with the resume.  The
 * waited-for thread's interrupt stops and our traps are the caller's.
 */
static enum stop_kind answer(struct wait_ctx *c, pid_t p, int st)
{
	bool mine = p == c->x->tid;

	if (WIFEXITED(st) || WIFSIGNALED(st))
		return STOP_GONE;
	if (!WIFSTOPPED(st))
		return STOP_NONE;
	if (session_group_stop(st)) {
		if (p == c->lock)
			ptrace(PTRACE_LISTEN, p, 0, 0);
		if (mine)
			c->at = GROUPED;
		return STOP_GROUP;
	}
	if ((st >> 16) == PTRACE_EVENT_STOP) {
		if (mine)
			return STOP_INTERRUPT;
		ptrace(PTRACE_CONT, p, 0, 0);
		return STOP_NONE;
	}
	if (mine && our_trap(c, p, st))
		return STOP_OURS;
	ptrace(PTRACE_CONT, p, 0,
	       (void *)(long)((st >> 16) ? 0 : WSTOPSIG(st)));
	return STOP_NONE;
}

/*
 * The next stop of the waited-for thread, the others' answered meanwhile;
 * a group stop of any thread ends the wait.  -ETIMEDOUT at @deadline.
 */
static int next_stop(struct wait_ctx *c, uint64_t deadline, enum stop_kind *k)
{
	pid_t p;
	int st, r;

	for (;;) {
		if ((r = next_event(c, deadline, &p, &st)))
			return r;
		if (p != c->x->tid && p != c->lock)
			continue; /* a held thread's exit, reaped */
		*k = answer(c, p, st);
		if (*k == STOP_GROUP || (p == c->x->tid && *k != STOP_NONE))
			return 0;
	}
}

/*
 * A call the stop made fail with EINTR (epoll_wait and the like, which
 * the kernel does not restart) is set to run again, as a session's
 * release does.
 */
static void unintr(pid_t tid)
{
	arch_regs r;

	if (!ptrace(PTRACE_GETREGS, tid, 0, &r) && arch_regs_unintr(&r))
		ptrace(PTRACE_SETREGS, tid, 0, &r);
}

/*
 * Bring the waited-for thread to an interrupt stop: from a trap it is in
 * (@trapped: the interrupt is sent first, so it stops again before its
 * next instruction), or while it runs.  Our traps are suppressed on the
 * way.  0, -ESRCH, or -EAGAIN if the process was stopped.
 */
static int interrupt(struct wait_ctx *c, bool trapped)
{
	enum stop_kind k;

	if (ptrace(PTRACE_INTERRUPT, c->x->tid, 0, 0) < 0)
		return -ESRCH;
	for (;;) {
		if (trapped)
			ptrace(PTRACE_CONT, c->x->tid, 0, 0);
		if (next_stop(c, 0, &k) < 0 || k == STOP_GONE)
			return -ESRCH;
		if (k == STOP_GROUP)
			return -EAGAIN;
		if (k == STOP_INTERRUPT) {
			c->at = HELD;
			unintr(c->x->tid);
			return 0;
		}
		trapped = true; /* ours: suppressed by the resume */
	}
}

/* Let it run, suppressing the trap it may be in. */
static void resume(struct wait_ctx *c)
{
	ptrace(PTRACE_CONT, c->x->tid, 0, 0);
	c->at = RUNNING;
}

/*
 * A signal for the waited-for thread of @pid: one it neither blocks (it
 * would not stop) nor handles (one sent as suture dies would reach the
 * handler).  0 if there is none.
 */
static int trap_signal(pid_t pid, pid_t tid)
{
	uint64_t blocked, caught;

	if (proc_thread_signals(pid, tid, &blocked, &caught))
		return 0;
	for (size_t i = 0; i < sizeof(trap_sigs) / sizeof(*trap_sigs); i++)
		if (!((blocked | caught) >> (trap_sigs[i] - 1) & 1))
			return trap_sigs[i];
	return 0;
}

/*
 * A breakpoint on @c->x->ra for the waited-for thread alone.  Each hit
 * makes the kernel signal the descriptor's owner, set to that thread, with
 * @c->sig (fcntl F_SETOWN_EX, F_SETSIG, O_ASYNC); the signal is pending
 * before the thread returns to user mode, so it stops at RA.  The
 * descriptor, or -errno.
 */
static int breakpoint(const struct wait_ctx *c)
{
	struct perf_event_attr a = {
	    .type = PERF_TYPE_BREAKPOINT,
	    .size = sizeof(a),
	    .bp_type = HW_BREAKPOINT_X,
	    .bp_addr = c->x->ra,
	    .bp_len = sizeof(long),
	    .sample_period = 1,
	    .wakeup_events = 1,
	    .remove_on_exec = 1,
	    .exclude_kernel = 1,
	    .exclude_hv = 1,
	};
	struct f_owner_ex own = {F_OWNER_TID, c->x->tid};
	int fd = (int)syscall(SYS_perf_event_open, &a, c->x->tid, -1, -1,
			      PERF_FLAG_FD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fcntl(fd, F_SETOWN_EX, &own) || fcntl(fd, F_SETSIG, c->sig) ||
	    fcntl(fd, F_SETFL, O_ASYNC)) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

void finish_release(pid_t tid, pid_t lock_tid)
{
	ptrace(tid == lock_tid ? PTRACE_CONT : PTRACE_DETACH, tid, 0, 0);
}

/*
 * Let the waited-for thread go after a wait that failed with @r: the
 * breakpoint removed first, then the thread stopped, any trap it sent
 * meanwhile suppressed on the way, and released.  In a group stop it
 * stays stopped: detached, or (the lock's thread) listening already.
 */
static int give_up(struct wait_ctx *c, int r)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	while (c->at == RUNNING && r != -ESRCH)
		if (interrupt(c, false) == -ESRCH)
			r = -ESRCH;
	if (r != -ESRCH && (c->at == HELD || c->x->tid != c->lock))
		finish_release(c->x->tid, c->lock);
	return r;
}

/* Take the thread, stopped, arm the breakpoint and let it run until it
 * leaves for good. */
static int trap_exit(struct wait_ctx *c, struct error *err)
{
	char why[512];
	enum stop_kind k;
	int r;

	if ((r = interrupt(c, false)))
		return r;
	if (!(c->sig = trap_signal(c->pid, c->x->tid)))
		return error_set(err, -ENOTSUP,
				 "thread %d blocks or handles each of SIGURG, "
				 "SIGWINCH and SIGCHLD, the signals a "
				 "breakpoint could stop it with",
				 c->x->tid);
	if (!privilege_sigio_ok(c->pid, c->x->tid, why, sizeof(why)))
		return error_set(err, -ENOTSUP,
				 "thread %d is inside a function the patch "
				 "replaces: %s",
				 c->x->tid, why);
	if ((c->fd = breakpoint(c)) < 0)
		return error_set(err, -ENOTSUP,
				 "no hardware breakpoint could be set "
				 "(perf_event_open: %s; see "
				 "/proc/sys/kernel/perf_event_paranoid)",
				 strerror(-c->fd));
	fault_point("breakpoint armed");
	for (;;) {
		resume(c);
		if ((r = next_stop(c, c->deadline, &k)))
			return r;
		if (k == STOP_GONE)
			return -ESRCH;
		if (k == STOP_GROUP)
			return -EAGAIN;
		if (k == STOP_OURS && left_for_good(c))
			break;
	}
	fault_point("thread trapped at the end of the frame");
	if ((r = interrupt(c, true)))
		return r;
	close(c->fd);
	c->fd = -1;
	return 0;
}

int finish_wait(pid_t pid, pid_t lock_tid, const struct finish_exit *x,
		uint64_t deadline, struct error *err)
{
	struct wait_ctx c = {.pid = pid,
			     .lock = lock_tid,
			     .x = x,
			     .deadline = deadline,
			     .fd = -1};
	sigset_t old;
	int r;

	if (x->tid != lock_tid &&
	    ptrace(PTRACE_SEIZE, x->tid, 0, PTRACE_O_TRACESYSGOOD) < 0)
		return error_set(err, errno == ESRCH ? -ESRCH : -ENOTSUP,
				 "cannot trace thread %d of process %d: %s",
				 x->tid, pid, strerror(errno));
	sigemptyset(&c.chld);
	sigaddset(&c.chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &c.chld, &old);
	if ((r = trap_exit(&c, err)))
		r = give_up(&c, r);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
