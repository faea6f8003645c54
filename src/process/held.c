/*
 * held.c - the threads a session holds (held.h): the index that finds
 * one by its TID, and the waits for their stops.
 *
 * A thread is waited for by its TID, the leader as any child; a status
 * of another held thread met on the way is kept for it (pending).  While
 * threads stop, a tick looks for one stuck in an uninterruptible wait;
 * the one thread of a process, running on another CPU, is waited for
 * spinning.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "process/held.h"
#include "process/proc.h"
#include "util/sidejob.h"
#include "util/xalloc.h"

/* The longest suture spins for a lone running thread's stop (spin_wait):
 * it comes within 10-30 µs of the interrupt. */
#define SPIN_STOP_NS 100000u

uint64_t session_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * The index of held threads by TID: open addressing with linear probing,
 * each slot 1 + an index into s->t, 0 when free; at least twice as many
 * slots as threads.  Finding a thread is then O(1), which matters when
 * every one of a thousand threads is looked up while they stop.
 */
static size_t slot(const struct session *s, pid_t tid)
{
	return ((size_t)tid * 2654435761u) & (s->idxcap - 1);
}

void held_index_put(struct session *s, size_t i)
{
	size_t k = slot(s, s->t[i].tid);

	while (s->idx[k])
		k = (k + 1) & (s->idxcap - 1);
	s->idx[k] = i + 1;
}

/* Make the index again, for the threads now in s->t. */
void held_index_rebuild(struct session *s)
{
	size_t cap = 64;

	while (cap < 2 * s->n)
		cap *= 2;
	free(s->idx);
	s->idx = xcalloc(cap, sizeof(*s->idx));
	s->idxcap = cap;
	for (size_t i = 0; i < s->n; i++)
		held_index_put(s, i);
}

struct session_thread *session_find(struct session *s, pid_t tid)
{
	for (size_t k = s->idxcap ? slot(s, tid) : 0; s->idxcap && s->idx[k];
	     k = (k + 1) & (s->idxcap - 1))
		if (s->t[s->idx[k] - 1].tid == tid)
			return &s->t[s->idx[k] - 1];
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

/*
 * How long an interrupted thread may take to report its stop before suture
 * looks at what it does.  PTRACE_INTERRUPT wakes a thread asleep in an
 * interruptible wait; one in an uninterruptible wait (state D: the parent
 * of a vfork until its child execs, a disk or network file system, a page
 * fault) stops only once that wait ends, maybe never, and every other
 * thread of the process would be held until then.
 */
#define STOP_LOOK_US 20000

/* The look's tick: it only makes the wait for a stop fail with EINTR. */
static void look_tick(int sig)
{
	(void)sig;
}

/*
 * While the threads stop, SIGALRM every STOP_LOOK_US interrupts the wait
 * for one (no SA_RESTART), so the waiter can look at it (stuck_now); a
 * stop of every thread within the first period costs four system calls.
 * held_look_end puts back what was there.
 */
void held_look_begin(struct session *s)
{
	const struct itimerval every = {{0, STOP_LOOK_US}, {0, STOP_LOOK_US}};
	struct sigaction tick = {.sa_handler = look_tick};

	sigemptyset(&tick.sa_mask);
	if (sigaction(SIGALRM, &tick, &s->old_alarm))
		return;
	if (setitimer(ITIMER_REAL, &every, &s->old_timer))
		sigaction(SIGALRM, &s->old_alarm, NULL);
	else
		s->looking = true;
}

void held_look_end(struct session *s)
{
	if (!s->looking)
		return;
	setitimer(ITIMER_REAL, &s->old_timer, NULL);
	sigaction(SIGALRM, &s->old_alarm, NULL);
	s->looking = false;
}

/* After a tick: whether @t, not stopped yet, is in an uninterruptible
 * wait, where a stop would wait for it and every other thread with it. */
static bool stuck_now(struct session *s, const struct session_thread *t)
{
	return s->looking && proc_thread_state(s->pid, t->tid) == 'D';
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
			if (p < 0 && errno == EINTR && stuck_now(s, t))
				return -EAGAIN;
			if (p < 0 && errno == EINTR)
				continue;
			/* No child left (ECHILD): its exit was reaped, by an
			 * earlier wait; *st holds nothing of it. */
			if (p < 0)
				*st = 0;
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
 * The wait for the stop of the one running thread of a process (alone, or
 * the last to stop beside asleep ones), on another CPU than suture's when
 * interrupted (s->spin_tid, session.c's waves): polled for up to
 * SPIN_STOP_NS rather than slept.  The interrupt's IPI stops it within
 * microseconds, and a suture asleep meanwhile was woken on a CPU the
 * machine had put to sleep (halted, on the bench's VM: 20 µs of the
 * thread's pause).  Suture spins on its own CPU, which the thread does not
 * need.  0 if nothing came by then: the caller waits as usual.
 */
static pid_t spin_wait(struct session *s, int *st)
{
	uint64_t until = session_now_ns() + SPIN_STOP_NS;
	pid_t tid = s->spin_tid, p;
	siginfo_t si;

	s->spin_tid = 0;
	if (!s->side) {
		while (!(p = waitpid(tid, st, __WALL | WNOHANG)) &&
		       session_now_ns() < until)
			;
		return p;
	}
	/* The side thread sleeps for the same stop (session.c's seize,
	 * sidejob_watch): seen here, reaped only once it is awake. */
	do
		si.si_pid = 0;
	while (!waitid(P_PID, (id_t)tid, &si,
		       WSTOPPED | WEXITED | WNOHANG | WNOWAIT | __WALL) &&
	       !si.si_pid && session_now_ns() < until);
	sidejob_unwatch(s->side);
	return si.si_pid ? waitpid(tid, st, __WALL | WNOHANG) : 0;
}

/*
 * The next wait status of held thread @t, as session_wait.  A thread that is
 * not the leader is waited for by its TID: the kernel then finds it
 * directly, while a wait for any child walks the list of every traced
 * thread, which made stopping a thousand threads quadratic.  (The
 * leader's exit is reported only once the other threads' exits are
 * reaped, so it is waited for as any child, after the others.)
 */
static int wait_thread(struct session *s, struct session_thread *t, int *st)
{
	pid_t p = 0;

	if (t->has_pending || t->gone)
		return session_wait(s, t, st);
	if (t->tid == s->spin_tid)
		p = spin_wait(s, st);
	if (!p && t->tid == s->pid)
		return session_wait(s, t, st);
	while (!p && (p = waitpid(t->tid, st, __WALL)) < 0 && errno == EINTR) {
		if (stuck_now(s, t))
			return -EAGAIN;
		p = 0;
	}
	if (p < 0 || exited(*st)) {
		t->gone = true;
		return -ESRCH;
	}
	return 0;
}

/*
 * Wait until thread @t reports the stop PTRACE_INTERRUPT asked for.
 * Returns 0 when stopped, -ESRCH if the thread exited meanwhile, -EAGAIN
 * if it is stuck (stuck_now).
 */
int held_stopped(struct session *s, struct session_thread *t)
{
	int st, r;

	do {
		if ((r = wait_thread(s, t, &st)) < 0)
			return r == -EAGAIN ? r : -ESRCH;
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
		t->group_stop = session_group_stop(st);
		s->stopped |= t->group_stop;
	} else {
		t->sig_stop = true;
		session_hold_sig(t, WSTOPSIG(st));
	}
	return 0;
}

bool session_group_stop(int st)
{
	/* An interrupt stop reports SIGTRAP; while the process is stopped by
	 * a stop signal, every stop reports that signal instead. */
	return (st >> 16) == PTRACE_EVENT_STOP && WSTOPSIG(st) != SIGTRAP;
}

int session_interrupt(struct session *s, struct session_thread *t)
{
	if (ptrace(PTRACE_INTERRUPT, t->tid, 0, 0) < 0)
		return -ESRCH;
	t->in_syscall = false;
	return held_stopped(s, t);
}
