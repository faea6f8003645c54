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
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "process/proc.h"
#include "process/session.h"
#include "process/sidecheck.h"
#include "util/phase.h"
#include "util/sidejob.h"
#include "util/xalloc.h"

/* Processes of up to this many threads are stopped in two waves (waves). */
#define WAVE_MAX 16
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

static void index_put(struct session *s, size_t i)
{
	size_t k = slot(s, s->t[i].tid);

	while (s->idx[k])
		k = (k + 1) & (s->idxcap - 1);
	s->idx[k] = i + 1;
}

/* Make the index again, for the threads now in s->t. */
static void index_rebuild(struct session *s)
{
	size_t cap = 64;

	while (cap < 2 * s->n)
		cap *= 2;
	free(s->idx);
	s->idx = xcalloc(cap, sizeof(*s->idx));
	s->idxcap = cap;
	for (size_t i = 0; i < s->n; i++)
		index_put(s, i);
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
 * look_end puts back what was there.
 */
static void look_begin(struct session *s)
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

static void look_end(struct session *s)
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
 * The wait for the stop of the one thread of a process, running on
 * another CPU than suture's when interrupted (spin_for): polled for up to
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

	s->spin_tid = 0;
	while (!(p = waitpid(tid, st, __WALL | WNOHANG)) &&
	       session_now_ns() < until)
		;
	return p;
}

/*
 * The thread whose stop session_open_checked waits for spinning
 * (spin_wait), or 0: the one thread of @pid, if it runs on another CPU
 * than suture, which may run on more than one.  Else (a thread asleep,
 * or on suture's CPU) it may need suture's CPU to take the interrupt on.
 */
static pid_t spin_for(pid_t pid)
{
	int cpu;

	if (proc_thread_count(pid) != 1 ||
	    (cpu = proc_thread_runs_on(pid, pid)) < 0)
		return 0;
	return cpu != sched_getcpu() ? pid : 0;
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
static int wait_stopped(struct session *s, struct session_thread *t)
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

int session_stopped_error(const struct session *s, const char *what,
			  struct error *err)
{
	return error_set(err, -EBUSY,
			 "%s in process %d, which is stopped (by SIGSTOP or "
			 "another stop signal): continue it (kill -CONT %d) "
			 "and try again while it runs; nothing was changed",
			 what, s->pid, s->pid);
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

/* Whether the caller held @tid before the session (session_lock). */
static bool held_before(const struct session *s, pid_t tid)
{
	for (size_t i = 0; i < s->nheld; i++)
		if (s->held[i] == tid)
			return true;
	return false;
}

/*
 * Whether thread @tid of @pid, which the kernel refused to seize, has
 * exited: from its exit until it is gone from the process, a moment
 * later, seizing it fails with EPERM (a thread that comes and goes made
 * apply refuse as "not permitted").  Not the leader: a process whose main
 * thread exited before the others is proc_check_target's.
 */
static bool exited_thread(pid_t pid, pid_t tid)
{
	char st = proc_thread_state(pid, tid);

	return tid != pid && (!st || st == 'Z' || st == 'X');
}

/* PTRACE_SEIZE thread @tid of @pid; 1 if it exited since it was listed. */
static int attach(pid_t pid, pid_t tid, struct error *err)
{
	int e;

	if (!ptrace(PTRACE_SEIZE, tid, 0, PTRACE_O_TRACESYSGOOD))
		return 0;
	e = errno;
	if (e == ESRCH || (e == EPERM && exited_thread(pid, tid)))
		return 1;
	/* EPERM: someone attached since we looked (maybe another suture),
	 * or we may not trace it. */
	return e == EPERM ? (proc_check_target(pid, err)
				 ?: proc_check_thread(pid, tid, err)
				 ?: proc_deny(pid, -EPERM, "trace", err))
			  : error_set(err, -e,
				      "cannot attach to thread %d of process "
				      "%d: %s",
				      tid, pid, strerror(e));
}

/*
 * Seize thread @tid and send it an interrupt, without waiting for its
 * stop.  1 if it exited since it was listed.  A thread the caller holds
 * is seized and stopped already.
 */
static int seize(struct session *s, pid_t tid, struct error *err)
{
	bool before = held_before(s, tid);
	int r;

	if (tid != s->lock_tid && !before && (r = attach(s->pid, tid, err)))
		return r;
	if (!s->stop_ns)
		s->stop_ns = session_now_ns();
	/* A seized thread stays traced even if the interrupt fails (it
	 * exited): keep it so that close detaches it. */
	XGROW(s->t, s->cap, s->n);
	memset(&s->t[s->n], 0, sizeof(s->t[s->n]));
	s->t[s->n].held = before;
	s->t[s->n++].tid = tid;
	if (2 * s->n > s->idxcap)
		index_rebuild(s);
	else
		index_put(s, s->n - 1);
	if (!before)
		ptrace(PTRACE_INTERRUPT, tid, 0, 0);
	return 0;
}

static int stuck_error(struct session *s, struct session_thread *t,
		       struct error *err)
{
	char comm[64], wchan[64];

	return error_set(
	    err, -EBUSY,
	    "thread %d (%s) of process %d is in an uninterruptible wait (in "
	    "the kernel's %s), where no tracer can stop it until the wait "
	    "ends; the other threads were let go meanwhile",
	    t->tid, proc_comm(s->pid, t->tid, comm, sizeof(comm)), s->pid,
	    proc_thread_wchan(s->pid, t->tid, wchan, sizeof(wchan)));
}

/* The lock's thread @t, found in its detour: put where the detour leads,
 * its mask now, its registers as found (session_close sets them). */
static void detour(struct session *s, struct session_thread *t)
{
	const struct session_detour *d = &s->detour;
	uint64_t pc = arch_regs_pc(&t->regs), mask = d->sigmask;

	if (t->tid != s->lock_tid || pc < d->lo || pc >= d->hi ||
	    ptrace(PTRACE_SETSIGMASK, t->tid, sizeof(mask), &mask) < 0)
		return;
	t->regs = d->regs;
	t->dirty = true;
}

/* Thread @t has just stopped: read its registers (the lock's thread put
 * where its detour leads). */
static int took(struct session *s, struct session_thread *t, struct error *err)
{
	if (ptrace(PTRACE_GETREGS, t->tid, 0, &t->regs) < 0)
		/* A held thread only vanishes if the process is killed. */
		return errno == ESRCH
			   ? error_set(err, -ESRCH, "process %d exited", s->pid)
			   : error_set(err, -errno,
				       "cannot read the registers of thread "
				       "%d of process %d: %s",
				       t->tid, s->pid, strerror(errno));
	detour(s, t);
	return 0;
}

/*
 * Wait for @t to stop and take it while there is no error yet (@r): the
 * first error.  Taken, it is checked at once, or posted to the side
 * thread if there is one (@side).  A thread stuck in an uninterruptible
 * wait (stuck_now) is waited for no longer (t->stuck): session_close lets
 * the others go first.
 */
static int take(struct session *s, struct session_thread *t, int r,
		struct sidecheck *side, struct error *err)
{
	int w = t->held ? 0 : wait_stopped(s, t);

	if (w == -EAGAIN) {
		t->stuck = true;
		return r ? r : stuck_error(s, t, err);
	}
	if (w || r)
		return r; /* exited, or not to be checked */
	if ((r = took(s, t, err)))
		return r;
	if (side)
		sidecheck_post(side, (size_t)(t - s->t));
	else if (s->check)
		r = s->check(s->check_arg, s, t, err);
	return r;
}

/*
 * End the side thread and give the threads it did not clear the full
 * check, in the order they stopped, while there is no error yet (@r): the
 * first error.
 */
static int side_collect(struct session *s, struct sidecheck *side, int r,
			struct error *err)
{
	size_t *order, n;
	bool *cleared;

	sidecheck_end(side, &order, &n, &cleared);
	for (size_t k = 0; k < n && !r; k++)
		if (!cleared[order[k]] && s->check)
			r = s->check(s->check_arg, s, &s->t[order[k]], err);
	free(order);
	free(cleared);
	return r;
}

/* The session's quick check of its thread @i, for the side thread. */
static bool side_quick(void *arg, size_t i, int lane)
{
	const struct session *s = arg;

	return s->quick(s->check_arg, &s->t[i], lane);
}

/*
 * Wait for the threads from @first on to stop, taking each as soon as it
 * is stopped: the first ones are checked while the last are still on
 * their way, by the side thread if there is one (sidecheck.h), whose
 * results are collected once all are stopped.  After a failure the others
 * are still waited for (a thread must be stopped to be released) but not
 * checked.  Threads that exited before they stopped are forgotten.
 * @look: tick (look_begin) to find threads stuck in an uninterruptible
 * wait.
 */
static int wait_all_stopped(struct session *s, size_t first, bool look,
			    struct error *err)
{
	struct sidecheck *side =
	    s->quick ? sidecheck_start(s->n, first, side_quick, s) : NULL;
	size_t n = s->n;
	int r = 0;

	if (look)
		look_begin(s);
	/* the leader last (wait_thread) */
	for (int leader = 0; leader < 2; leader++)
		for (size_t i = first; i < s->n; i++)
			if ((s->t[i].tid == s->pid) == leader)
				r = take(s, &s->t[i], r, side, err);
	look_end(s);
	if (side)
		r = side_collect(s, side, r, err);
	for (size_t i = first; i < s->n; i++)
		if (s->t[i].gone)
			s->t[i--] = s->t[--s->n];
	if (s->n < n)
		index_rebuild(s);
	return r;
}

/*
 * Seize and interrupt the threads @tids[0..n) not yet held whose @wave
 * is @which; all interrupts go out before the first wait so the threads
 * stop in parallel.
 */
static int stop_wave(struct session *s, const pid_t *tids, const bool *wave,
		     size_t n, bool which, struct error *err)
{
	size_t first = s->n;
	int r = 0, w;

	for (size_t i = 0; i < n && r <= 0; i++)
		if (wave[i] == which && !held(s, tids[i]))
			r = seize(s, tids[i], err);
	r = r < 0 ? r : 0;
	/* a failed seize has the message; the others are waited for */
	w = wait_all_stopped(s, first, true, r ? NULL : err);
	return r ? r : w;
}

/*
 * Which of @tids[0..n) to stop first: in a process of a few threads, those
 * not running when listed (asleep, or stopped).  An asleep thread stops
 * only once it gets a CPU to take the interrupt on, often the one suture
 * holds as a real-time task: interrupted together, a running thread of
 * the program waited for it, stopped (about 30 µs more of its pause on
 * the bench's two threads).  So they go first, and the running ones are
 * interrupted once they are stopped: the running threads' pause begins
 * after.  A thread's state changes any time: the order only hurries, every
 * thread is stopped all the same.  Not for many threads, whose states
 * would take a read each; the leader's exit (a zombie) goes last as ever.
 */
static void waves(const struct session *s, const pid_t *tids, bool *first,
		  size_t n)
{
	char st;

	for (size_t i = 0; i < n; i++) {
		st = n > 1 && n <= WAVE_MAX ? proc_thread_state(s->pid, tids[i])
					    : 'R';
		first[i] = st && st != 'R' && st != 'Z' && st != 'X';
	}
}

/*
 * Stop every thread of the process not yet held, in two waves (waves).
 * *added counts the threads newly held.  A failure in the first wave
 * ends the session before the running threads are interrupted at all.
 */
static int stop_new_threads(struct session *s, size_t *added, struct error *err)
{
	size_t ntids, first = s->n;
	pid_t *tids;
	bool *wave;
	int r;

	if ((r = proc_tasks(s->pid, &tids, &ntids, err)))
		return r;
	wave = xcalloc(ntids + 1, sizeof(*wave));
	waves(s, tids, wave, ntids);
	if (!(r = stop_wave(s, tids, wave, ntids, true, err)))
		r = stop_wave(s, tids, wave, ntids, false, err);
	free(wave);
	free(tids);
	*added = s->n - first;
	return r;
}

/* Start @s on @pid, holding nothing yet. */
static void begin(struct session *s, pid_t pid, const struct session_lock *l)
{
	memset(s, 0, sizeof(*s));
	s->pid = pid;
	s->lock_tid = l ? l->tid : 0;
	if (l) {
		s->detour = l->detour;
		s->side = l->side;
	}
	s->open = true;
	hurry_begin(&s->hurry);
}

int session_open(struct session *s, pid_t pid, const struct session_lock *l,
		 session_check_fn *check, void *arg, struct error *err)
{
	const struct session_checks c = {.check = check, .arg = arg};

	return session_open_checked(s, pid, l, &c, err);
}

int session_open_checked(struct session *s, pid_t pid,
			 const struct session_lock *l,
			 const struct session_checks *c, struct error *err)
{
	phase_begin("stop and check");
	size_t added;
	int r;

	begin(s, pid, l);
	s->held = l ? l->held : NULL;
	s->nheld = l ? l->nheld : 0;
	if (s->nheld)
		s->stop_ns = l->held_ns;
	s->check = c->check;
	s->quick = c->quick;
	s->check_arg = c->arg;
	s->spin_tid = spin_for(pid);
	/*
	 * A thread not yet stopped may create another one, which appears in
	 * /proc/PID/task only after our listing.  Once every listed thread
	 * is stopped no one is left to create threads except those found
	 * now, so listing again until nothing new shows up terminates with
	 * the whole process stopped.  When the process has as many threads
	 * as are held, nothing new can show up: the count is one small read,
	 * a listing of a thousand threads is not.
	 */
	do {
		if ((r = stop_new_threads(s, &added, err)))
			goto out_release;
	} while (added && proc_thread_count(pid) != (long)s->n);
	if (!s->n) {
		r = error_set(err, -ESRCH, "process %d exited", pid);
		goto out_release;
	}
	s->held = NULL;
	s->nheld = 0;
	sidejob_prime(s->side);
	return 0;
out_release:
	/* threads the caller held stay held (s->held still set) */
	session_close(s, NULL);
	return r;
}

int session_open_thread(struct session *s, pid_t pid, pid_t tid,
			const struct session_lock *l, struct error *err)
{
	int r;

	begin(s, pid, l);
	hurry_pin(&s->hurry, pid, tid);
	/* one thread stuck holds up no other: wait for it, as for a call */
	if (!(r = seize(s, tid, err)) &&
	    !(r = wait_all_stopped(s, 0, false, err)))
		r = !s->n;
	if (r > 0)
		r = error_set(err, -EAGAIN, "thread %d of process %d exited",
			      tid, pid);
	if (!r)
		return 0;
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

/*
 * Let @t go: detach it, or resume the lock's thread still seized.  A
 * tracer's PTRACE_CONT runs a thread even while its process is stopped by
 * a stop signal; PTRACE_LISTEN instead leaves it in that stop, as the
 * rest of the process is, while it stays seized (ptrace(2)).  A detached
 * thread returns to the group stop by itself.
 */
static int let_go(struct session *s, struct session_thread *t, int inject)
{
	if (t->tid != s->lock_tid)
		return (int)ptrace(PTRACE_DETACH, t->tid, 0,
				   (void *)(long)inject);
	if (t->group_stop)
		return (int)ptrace(PTRACE_LISTEN, t->tid, 0, 0);
	return (int)ptrace(PTRACE_CONT, t->tid, 0, (void *)(long)inject);
}

/*
 * Bring @t to an interrupt stop if it is not in one: from a system-call
 * stop (see settle), and in a stopped process from a signal-delivery-stop
 * too, as only an interrupt or group stop can be left with PTRACE_LISTEN
 * (the signal is held, and queued again on release).
 */
static int to_interrupt_stop(struct session *s, struct session_thread *t,
			     struct error *err)
{
	if (!t->in_syscall && !(s->stopped && t->sig_stop))
		return 0;
	if (settle(s, t) < 0)
		return error_set(err, -ESRCH,
				 "thread %d of process %d vanished while being "
				 "released",
				 t->tid, s->pid);
	return 0;
}

/* Release one thread, putting back registers and held signals. */
static int release(struct session *s, struct session_thread *t,
		   struct error *err)
{
	int inject = 0, r = 0;
	size_t from = 0;

	if (t->gone || t->running || (t->held && s->held))
		return 0;
	r = to_interrupt_stop(s, t, err);

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
	/* Only a signal-delivery-stop can take a signal with the detach; in
	 * a stopped process it stays queued, as it would without suture. */
	if (t->sig_stop && t->nsigs && !s->stopped) {
		inject = t->sigs[0];
		from = 1;
	}
	/* The lock's thread runs on, seized (session_lock). */
	if (let_go(s, t, inject) < 0 && errno != ESRCH)
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
	/* a real-time thread spinning on a CPU the threads may want */
	sidejob_rest(s->side);
	for (size_t i = 0; i < s->n; i++)
		if (!s->t[i].stuck && (e = release(s, &s->t[i], err)) && !r)
			r = e;
	if (s->stop_ns)
		s->pause_ns = session_now_ns() - s->stop_ns;
	/* A thread stuck in an uninterruptible wait can only be let go in a
	 * stop, which comes when the wait ends; the others run meanwhile. */
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i].stuck && !wait_stopped(s, &s->t[i]) &&
		    (e = release(s, &s->t[i], err)) && !r)
			r = e;
	free(s->t);
	s->t = NULL;
	free(s->idx);
	s->idx = NULL;
	s->idxcap = 0;
	hurry_end(&s->hurry);
	s->open = false;
	return r;
}

int session_lock(struct session_lock *l, pid_t pid, pid_t tid,
		 struct error *err)
{
	int r = attach(pid, tid, err);

	l->held = NULL;
	l->nheld = 0;
	l->held_ns = 0;
	l->pid = pid;
	l->tid = r ? 0 : tid;
	if (r > 0)
		return error_set(err, -EAGAIN, "thread %d of process %d exited",
				 tid, pid);
	return r;
}

/*
 * A seized thread can only be detached in a stop: a session of that thread
 * alone, closed once it no longer counts as the lock's, so that it is
 * released as every thread is (held signals passed on, a call that saw
 * EINTR only because of the stop run again).
 */
void session_unlock(struct session_lock *l)
{
	struct session s;

	if (l->tid && !session_open_thread(&s, l->pid, l->tid, l, NULL)) {
		s.lock_tid = 0;
		session_close(&s, NULL);
	}
	l->tid = 0;
}

void session_unlock_on_close(struct session *s, struct session_lock *l)
{
	if (s->open && l->tid && l->tid == s->lock_tid &&
	    session_find(s, l->tid)) {
		s->lock_tid = 0;
		l->tid = 0;
	}
}
