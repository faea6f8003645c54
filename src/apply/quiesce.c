/*
 * quiesce.c - the retry loop around stopping and checking (quiesce.h).
 *
 * The process is never kept stopped while waiting: a thread inside a
 * replaced function can only leave it by running, so between attempts every
 * thread is released.  Each attempt is a complete stop, check and release,
 * so a failed attempt costs the program one short pause and nothing else.
 */
#include <errno.h>
#include <time.h>

#include "apply/quiesce.h"
#include "util/phase.h"

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

int quiesce(struct session *s, pid_t pid, const struct session_lock *l,
	    struct safety *sf, unsigned timeout_ms, unsigned *attempts,
	    struct error *err)
{
	uint64_t deadline = session_now_ns() + (uint64_t)timeout_ms * 1000000;
	struct error why;
	int r;

	for (*attempts = 1;; (*attempts)++) {
		error_clear(&why);
		if (!(r = session_open(s, pid, l, safety_check, sf, &why)))
			return 0;
		if (r == -EBUSY && s->stopped)
			return error_set(err, -EBUSY, QUIESCE_STOPPED_MSG,
					 why.msg, pid, pid);
		if (r != -EBUSY || session_now_ns() >= deadline)
			break;
		phase_begin("wait: a thread was in the way");
		sleep_ms(QUIESCE_RETRY_MS);
	}
	if (r != -EBUSY)
		return error_set(err, r, "%s", why.msg);
	return error_set(err, -EBUSY,
			 "%s; still in use after %.1f s; nothing was changed",
			 why.msg, timeout_ms / 1000.0);
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

int quiesce_retry(pid_t pid, int (*once)(void *arg, struct error *err),
		  void *arg, unsigned timeout_ms, struct error *err)
{
	uint64_t deadline = session_now_ns() + (uint64_t)timeout_ms * 1000000;
	bool was_there = !proc_gone(pid);
	int r;

	while ((r = once(arg, err)) == -EAGAIN && session_now_ns() < deadline) {
		error_clear(err);
		sleep_ms(QUIESCE_RETRY_MS);
	}
	if (r < 0 && was_there && dying(pid)) {
		error_clear(err);
		r = error_set(err, -ESRCH,
			      "process %d exited while suture was working on "
			      "it; nothing is left to undo",
			      pid);
	}
	return r;
}
