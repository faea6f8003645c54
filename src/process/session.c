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
#include <unistd.h>

#include "process/proc.h"
#include "process/session.h"
#include "process/sidecheck.h"
#include "process/wakelat.h"
#include "util/phase.h"
#include "util/sidejob.h"
#include "util/xalloc.h"

/* Processes of up to this many threads are stopped in two waves (waves). */
#define WAVE_MAX 16

int session_stopped_error(const struct session *s, const char *what,
			  struct error *err)
{
	return error_set(err, -EBUSY,
			 "%s in process %d, which is stopped (by SIGSTOP or "
			 "another stop signal): continue it (kill -CONT %d) "
			 "and try again while it runs; nothing was changed",
			 what, s->pid, s->pid);
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
	/* On suture's CPU (it may have moved while the asleep threads
	 * stopped), the thread needs that CPU to take the interrupt. */
	if (tid == s->spin_tid && (before || sched_getcpu() == s->spin_cpu))
		s->spin_tid = 0;
	/* Before the clock starts: the program runs meanwhile.  Its stop
	 * wakes the scan's thread too, on the CPU it frees, where idle CPUs
	 * halt; where they poll (wakelat.h) the futex of the stop's prime
	 * wakes it at once, and the wait for it to be out of its waitid
	 * (sidejob_unwatch) cost the stop 3-5 µs. */
	if (tid == s->spin_tid && !wakelat_held())
		sidejob_watch(s->side, tid);
	if (!s->stop_ns)
		s->stop_ns = session_now_ns();
	/* A seized thread stays traced even if the interrupt fails (it
	 * exited): keep it so that close detaches it. */
	XGROW(s->t, s->cap, s->n);
	memset(&s->t[s->n], 0, sizeof(s->t[s->n]));
	s->t[s->n].held = before;
	s->t[s->n++].tid = tid;
	if (2 * s->n > s->idxcap)
		held_index_rebuild(s);
	else
		held_index_put(s, s->n - 1);
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
 * wait (held.h) is waited for no longer (t->stuck): session_close lets
 * the others go first.
 */
static int take(struct session *s, struct session_thread *t, int r,
		struct sidecheck *side, struct error *err)
{
	int w = t->held ? 0 : held_stopped(s, t);

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
 * @look: tick (held_look_begin) to find threads stuck in an uninterruptible
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
		held_look_begin(s);
	/* the leader last (wait_thread) */
	for (int leader = 0; leader < 2; leader++)
		for (size_t i = first; i < s->n; i++)
			if ((s->t[i].tid == s->pid) == leader)
				r = take(s, &s->t[i], r, side, err);
	held_look_end(s);
	if (side)
		r = side_collect(s, side, r, err);
	for (size_t i = first; i < s->n; i++)
		if (s->t[i].gone)
			s->t[i--] = s->t[--s->n];
	if (s->n < n)
		held_index_rebuild(s);
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
 * The same reads say whether one thread alone runs (the process's only
 * one, or its one busy thread among asleep ones): its stop, the last, is
 * then waited for spinning (held_stopped) and wakes the scan's second
 * thread (sidejob_watch), unless suture is on its CPU by then (seize): it
 * may need that CPU to take the interrupt on.
 */
static void waves(struct session *s, const pid_t *tids, bool *first, size_t n)
{
	size_t running = 0, last = 0;
	int cpu, last_cpu = -1;
	char st;

	if (n > WAVE_MAX)
		return; /* one wave, all second */
	for (size_t i = 0; i < n; i++) {
		st = proc_thread_place(s->pid, tids[i], &cpu);
		first[i] = n > 1 && st && st != 'R' && st != 'Z' && st != 'X';
		if (st == 'R') {
			running++;
			last = i;
			last_cpu = cpu;
		}
	}
	if (running == 1 && last_cpu >= 0 && !held(s, tids[last])) {
		s->spin_tid = tids[last];
		s->spin_cpu = last_cpu;
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
	return held_stopped(s, t);
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
	/* a real-time thread spinning on a CPU the threads may want, or
	 * still asleep for a stop that will not come */
	sidejob_unwatch(s->side);
	sidejob_rest(s->side);
	for (size_t i = 0; i < s->n; i++)
		if (!s->t[i].stuck && (e = release(s, &s->t[i], err)) && !r)
			r = e;
	if (s->stop_ns)
		s->pause_ns = session_now_ns() - s->stop_ns;
	/* A thread stuck in an uninterruptible wait can only be let go in a
	 * stop, which comes when the wait ends; the others run meanwhile. */
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i].stuck && !held_stopped(s, &s->t[i]) &&
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
	/* from the lock on: every stop of the process is in it */
	if (l->tid)
		wakelat_hold();
	if (r > 0)
		return error_set(err, -EAGAIN, "thread %d of process %d exited",
				 tid, pid);
	return r;
}

/* The lock is no longer held: its thread is let go, or about to be. */
static void drop(struct session_lock *l)
{
	if (l->tid)
		wakelat_release();
	l->tid = 0;
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
	drop(l);
}

void session_unlock_on_close(struct session *s, struct session_lock *l)
{
	if (s->open && l->tid && l->tid == s->lock_tid &&
	    session_find(s, l->tid)) {
		s->lock_tid = 0;
		drop(l);
	}
}
