/*
 * quiesce.c - the retry loop around stopping and checking (quiesce.h).
 *
 * The process is never kept stopped while waiting: a thread inside a
 * replaced function can only leave it by running, so between attempts every
 * thread is released.  Each attempt is a complete stop, check and release,
 * so a failed attempt costs the program one short pause and nothing else.
 * The thread found in the way is not left to chance: it is held where it
 * returns out of that code (finish.h) and the next attempt starts then;
 * threads held so stay held, outside, while the next one in the way is
 * waited for.  A thread that cannot be waited for so is sampled again
 * every QUIESCE_RETRY_MS, as before.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "process/finish.h"
#include "process/quiesce.h"
#include "util/phase.h"

/* Threads held at the ends of their frames at once, at most. */
#define QUIESCE_MAX_HELD 64

/*
 * A stopped process cannot leave the code in the way: waiting would only
 * keep it stopped, and running it is not suture's to do.
 */
#define QUIESCE_STOPPED_MSG                                                    \
	"%s; process %d is stopped (by SIGSTOP or another stop signal), so "   \
	"no thread can leave it: continue it (kill -CONT %d) and try again "   \
	"while it runs; nothing was changed"

/* How long a process that just failed suture may take to finish dying. */
#define QUIESCE_DYING_CHECKS 20
#define QUIESCE_DYING_MS     5

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* One quiesce: the caller's lock with the threads held at the ends of
 * their frames, and what the waits found. */
struct quiet {
	struct session_lock l;
	pid_t held[QUIESCE_MAX_HELD];
	struct safety *sf;
	struct finish_exit exit;   /* of the thread the last check found */
	struct finish_exit waited; /* the last thread waited for */
	char nowait[sizeof(
	    ((struct error *)0)->msg)]; /* why threads cannot be waited for */
};

/* safety_check, and where the thread in the way leaves the code. */
static int check(void *arg, struct session *s, struct session_thread *t,
		 struct error *err)
{
	struct quiet *q = arg;
	int r = safety_check(q->sf, s, t, err);

	if (r == -EBUSY)
		finish_find(q->sf, s, t, &q->exit);
	return r;
}

/* safety_quick: it clears most threads, on a side thread if there are
 * many (session_open_checked); the others get check. */
static bool quick(void *arg, const struct session_thread *t, int lane)
{
	const struct quiet *q = arg;

	return safety_quick(q->sf, t, lane);
}

static bool is_held(const struct quiet *q, pid_t tid)
{
	for (size_t i = 0; i < q->l.nheld; i++)
		if (q->held[i] == tid)
			return true;
	return false;
}

static void release_held(struct quiet *q)
{
	for (size_t i = 0; i < q->l.nheld; i++)
		finish_release(q->held[i], q->l.tid);
	q->l.nheld = 0;
}

/*
 * After a failed check: hold the thread in the way where it leaves the
 * code (finish.h), the threads held before staying held.  False if it
 * cannot be waited for, to sample again instead: a held thread found in
 * the way again (its exit was not the outermost) lets every one go.
 */
static bool wait_frame(struct quiet *q, pid_t pid, uint64_t deadline)
{
	struct error why;
	int r;

	if (!q->exit.tid || q->nowait[0] || q->l.nheld == QUIESCE_MAX_HELD)
		return false;
	if (is_held(q, q->exit.tid)) {
		release_held(q);
		return false;
	}
	phase_begin("wait: a frame to finish");
	error_clear(&why);
	r = finish_wait(pid, q->l.tid, &q->exit, deadline, &why);
	if (r == -ENOTSUP) {
		snprintf(q->nowait, sizeof(q->nowait), "%s", why.msg);
		return false;
	}
	q->waited = q->exit;
	if (r)
		return r == -ETIMEDOUT;
	if (!q->l.nheld)
		q->l.held_ns = session_now_ns();
	q->held[q->l.nheld++] = q->exit.tid;
	return true;
}

/* The refusal after @timeout_ms, saying what was waited for. */
static int timed_out(const struct quiet *q, const char *why,
		     unsigned timeout_ms, struct error *err)
{
	char waited[sizeof(((struct error *)0)->msg) + 512] = "";
	char comm[64];

	if (q->waited.tid)
		snprintf(waited, sizeof(waited),
			 " (waited for thread %d (%s) to return from %s to "
			 "%s)",
			 q->waited.tid,
			 proc_comm(q->l.pid, q->waited.tid, comm, sizeof(comm)),
			 q->waited.what, q->waited.where);
	else if (q->nowait[0])
		snprintf(waited, sizeof(waited),
			 " (could not wait for a thread to return: %s)",
			 q->nowait);
	return error_set(err, -EBUSY,
			 "%s; still in use after %.1f s%s; nothing was changed",
			 why, timeout_ms / 1000.0, waited);
}

int quiesce(struct session *s, pid_t pid, const struct session_lock *l,
	    struct safety *sf, unsigned timeout_ms, unsigned *attempts,
	    struct error *err)
{
	uint64_t deadline = session_now_ns() + (uint64_t)timeout_ms * 1000000;
	struct quiet q = {.sf = sf};
	const struct session_checks checks = {check, quick, &q};
	struct error why;
	int r;

	if (l)
		q.l = *l;
	q.l.pid = pid;
	q.l.held = q.held;
	q.l.nheld = 0;
	for (*attempts = 1;; (*attempts)++) {
		error_clear(&why);
		q.exit.tid = 0;
		/* once open, the session releases the held threads */
		if (!(r = session_open_checked(s, pid, &q.l, &checks, &why)))
			return 0;
		if (r == -EBUSY && s->stopped) {
			release_held(&q);
			return error_set(err, -EBUSY, QUIESCE_STOPPED_MSG,
					 why.msg, pid, pid);
		}
		if (r != -EBUSY || session_now_ns() >= deadline)
			break;
		if (wait_frame(&q, pid, deadline))
			continue;
		phase_begin("wait: a thread was in the way");
		sleep_ms(QUIESCE_RETRY_MS);
	}
	release_held(&q);
	if (r != -EBUSY)
		return error_set(err, r, "%s", why.msg);
	return timed_out(&q, why.msg, timeout_ms, err);
}

/*
 * Whether @pid has exited, or is exiting: a killed process may take a few
 * milliseconds to release its memory after its threads have vanished, so
 * give it that long when suture just failed on it.
 */
static bool dying(pid_t pid)
{
	for (int i = 0; i < QUIESCE_DYING_CHECKS; i++) {
		if (proc_gone(pid))
			return true;
		sleep_ms(QUIESCE_DYING_MS);
	}
	return false;
}

/* The last attempt's -EAGAIN, once the timeout is over: its message (a
 * step that set none is named as such), and that the time is up. */
static int gave_up(pid_t pid, unsigned timeout_ms, struct error *err)
{
	char why[sizeof(err->msg)];

	snprintf(why, sizeof(why), "%s",
		 err->msg[0] ? err->msg
			     : "a step of suture failed without saying why");
	error_clear(err);
	return error_set(err, -EAGAIN,
			 "%s; still so when the timeout (%.3g s) ran out, so "
			 "suture gave up on process %d",
			 why, timeout_ms / 1000.0, pid);
}

int quiesce_retry(pid_t pid, int (*once)(void *arg, struct error *err),
		  void *arg, unsigned timeout_ms, struct error *err)
{
	uint64_t deadline = session_now_ns() + (uint64_t)timeout_ms * 1000000;
	bool was_there = !proc_gone(pid);
	unsigned again = 0;
	int r;

	for (;;) {
		r = once(arg, err);
		if (r == QUIESCE_AGAIN && again++ < QUIESCE_AGAIN_MAX) {
			error_clear(err);
			continue;
		}
		if (r != -EAGAIN && r != QUIESCE_AGAIN)
			break;
		if (session_now_ns() >= deadline) {
			r = gave_up(pid, timeout_ms, err);
			break;
		}
		error_clear(err);
		sleep_ms(QUIESCE_RETRY_MS);
	}
	if (r < 0 && !err->msg[0]) /* a bug: every refusal names its cause */
		error_set(err, r,
			  "suture failed on process %d (%s) without saying "
			  "why: a bug of suture, please report it",
			  pid, strerror(-r));
	if (r < 0 && was_there && dying(pid)) {
		error_clear(err);
		r = error_set(err, -ESRCH,
			      "process %d exited while suture was working on "
			      "it; nothing is left to undo",
			      pid);
	}
	return r;
}
