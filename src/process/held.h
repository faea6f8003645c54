/*
 * held.h - the threads a session holds (session.h): struct session and
 * its threads, found by TID, and waited for as they stop.  Below the
 * session's opening and closing (session.c), which stop and release them.
 */
#ifndef SUTURE_PROCESS_HELD_H
#define SUTURE_PROCESS_HELD_H

#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/types.h>

#include "arch/arch.h"
#include "process/hurry.h"
#include "util/error.h"

#define SESSION_MAX_SIGS 8

struct sidejob;

struct session_thread {
	pid_t tid;
	arch_regs regs;	  /* as found when stopped; put back on close */
	bool dirty;	  /* the kernel's copy of the registers was changed */
	uint64_t sigmask; /* blocked signals as found, if mask_dirty */
	bool mask_dirty;  /* rsyscall blocked every signal meanwhile */
	bool in_syscall;  /* in a system-call stop (rsyscall); release moves
			     it to an interrupt stop first */
	bool sig_stop;	  /* now in a signal-delivery-stop (not an interrupt
			     stop), so PTRACE_DETACH can deliver a signal */
	int sigs[SESSION_MAX_SIGS]; /* signals held back, to re-deliver */
	size_t nsigs;
	int pending; /* a wait status reaped while waiting for another
			thread, if has_pending */
	bool has_pending;
	bool gone;	 /* exited: nothing to restore or detach */
	bool group_stop; /* its last stop was a group stop: the process is
			    stopped by SIGSTOP or another stop signal */
	bool held;    /* held by the caller before the session (session_lock's
			 held): taken as it is, and left so if opening fails */
	bool stuck;   /* interrupted, but in an uninterruptible wait: released
			 last, once it stops (session.c) */
	bool running; /* let go by rbatch_run, restoring itself: close
			 leaves it as it is */
};

struct session;

/*
 * A check session_open runs on each thread as soon as it has stopped (its
 * registers read), while the others may still be on their way: 0 if the
 * thread may stay as it is, else an error, which ends the session.
 */
typedef int session_check_fn(void *arg, struct session *s,
			     struct session_thread *t, struct error *err);

/*
 * A quicker check that clears most threads: true if thread @t may stay as
 * it is, false if it needs the full check.  It only reads (memory, not
 * ptrace), so session_open may run it on a second thread of suture while
 * the tracer waits for the other threads (sidecheck.h); @lane is the
 * suture thread running it (0 the tracer, 1 the side thread), so that
 * each has its own scratch memory.
 */
typedef bool session_quick_fn(void *arg, const struct session_thread *t,
			      int lane);

/*
 * Code the lock's thread may be found in on its way back to its own code,
 * which it runs by itself (the restore of a quiet batch, rbatch.h): a
 * session that stops it there puts it where that code leads, registers and
 * signal mask, as if it had run it (the thread, seized, stops for each
 * signal it takes; it could be found there again and again).
 */
struct session_detour {
	uint64_t lo, hi; /* [lo, hi): 0, 0 for none */
	arch_regs regs;
	uint64_t sigmask;
};

struct session {
	pid_t pid;
	pid_t lock_tid;		      /* the thread of a session_lock, or 0 */
	struct session_detour detour; /* the lock's */
	session_check_fn *check;      /* session_open's */
	session_quick_fn *quick;      /* session_open_checked's */
	void *check_arg;
	struct session_thread *t;
	size_t n, cap;
	size_t *idx; /* t by TID (held.c) */
	size_t idxcap;
	uint64_t stop_ns;  /* CLOCK_MONOTONIC: first thread interrupted */
	uint64_t pause_ns; /* set by session_close: how long it was held */
	struct session_thread *inj; /* runs injected system calls, or NULL */
	struct hurry hurry;	    /* suture's scheduling meanwhile */
	struct sidejob *side;	    /* the lock's */
	pid_t spin_tid; /* whose stop to wait for spinning (held.c) */
	int spin_cpu;	/* the CPU it was running on */
	bool open;
	const pid_t *held; /* session_lock's, while opening */
	size_t nheld;
	bool stopped; /* a thread was found in a group stop: the process is
			 stopped (kept after session_close) */
	bool looking; /* while threads stop: SIGALRM ticks to look at the
			 one waited for (held.c), and what was there */
	struct sigaction old_alarm;
	struct itimerval old_timer;
};

/* session_now_ns - CLOCK_MONOTONIC in nanoseconds. */
uint64_t session_now_ns(void);

/*
 * session_wait - the next wait status of held thread @t into *st.  Returns
 * -ESRCH if @t exited.  Waits for any tracee: events of other held threads
 * are kept for their own wait, and their exits are reaped.  Waiting for
 * one thread alone could wait forever when the process is killed: the
 * kernel reports a thread group leader's exit only after every other
 * thread's exit was reaped, by us, their tracer.
 */
int session_wait(struct session *s, struct session_thread *t, int *st);

/* session_wait_until - the same, giving up at @deadline (CLOCK_MONOTONIC
 * ns; 0 waits for ever): -ETIMEDOUT then. */
int session_wait_until(struct session *s, struct session_thread *t, int *st,
		       uint64_t deadline);

/* session_interrupt - stop held thread @t, which runs (a called function
 * that did not return): 0 once stopped, -ESRCH if it exited. */
int session_interrupt(struct session *s, struct session_thread *t);

/* session_group_stop - whether wait status @st of a seized thread is a
 * group stop: its process is stopped by SIGSTOP or another stop signal. */
bool session_group_stop(int st);

/* session_find - the thread @tid of @s, or NULL. */
struct session_thread *session_find(struct session *s, pid_t tid);

/* session_hold_sig - remember signal @sig that @t was stopped for; it is
 * suppressed now and delivered again by session_close. */
void session_hold_sig(struct session_thread *t, int sig);

/* held_index_put - index s->t[@i] by its TID; held_index_rebuild - index
 * every thread again, in room for twice as many (session_find). */
void held_index_put(struct session *s, size_t i);
void held_index_rebuild(struct session *s);

/*
 * held_look_begin - while threads stop: SIGALRM every 20 ms makes a wait
 * for one return, so that a thread stuck in an uninterruptible wait
 * (state D), which no interrupt stops, is noticed (-EAGAIN from
 * held_stopped) rather than waited for with every other thread held.
 * held_look_end puts SIGALRM's action and ITIMER_REAL back.
 */
void held_look_begin(struct session *s);
void held_look_end(struct session *s);

/*
 * held_stopped - wait until held thread @t reports the stop
 * PTRACE_INTERRUPT asked for (a signal-delivery-stop that came first is as
 * good: its signal is held for re-delivery).  0 when stopped, -ESRCH if
 * the thread exited meanwhile, -EAGAIN if it is stuck (while looking).
 * The thread s->spin_tid names is waited for spinning, once.
 */
int held_stopped(struct session *s, struct session_thread *t);

#endif
