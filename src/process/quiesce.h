/*
 * quiesce.h - stopping a process at a moment when none of its threads is in
 * code about to change.
 */
#ifndef SUTURE_PROCESS_QUIESCE_H
#define SUTURE_PROCESS_QUIESCE_H

#include "process/safety.h"
#include "process/session.h"

/* Time between attempts: long enough for a busy thread to move on, short
 * against the default 5 s timeout. */
#define QUIESCE_RETRY_MS 20

/*
 * quiesce - open session @s on @pid (with lock @l, or NULL: session.h) and
 * run safety_check; while it fails, release the process, hold the thread
 * in the way where it returns out of the forbidden code (finish.h; or,
 * if that cannot be done, wait QUIESCE_RETRY_MS) and try again, for up to
 * @timeout_ms.  On success @s is open and safe (the caller closes it,
 * which releases the held threads too) and *attempts counts the stops.
 * On timeout -EBUSY with the last conflict and "...; still in use after N
 * s (waited for thread T (COMM) to return from WHAT to WHERE); nothing was
 * changed": the process runs as before.  A process stopped by a stop
 * signal with a thread in the way gets -EBUSY at once ("process N is
 * stopped ...").
 */
int quiesce(struct session *s, pid_t pid, const struct session_lock *l,
	    struct safety *sf, unsigned timeout_ms, unsigned *attempts,
	    struct error *err);

/* What @once returns, with a message, when it changed the process itself
 * (removed or finished what an interrupted suture left): start again. */
#define QUIESCE_AGAIN 1

/* Attempts made again at once (QUIESCE_AGAIN), at most: each removes or
 * finishes something, so one more is the rule; more means something keeps
 * coming back, which only the timeout bounds. */
#define QUIESCE_AGAIN_MAX 4

/*
 * quiesce_retry - run @once(@arg) until it returns anything but -EAGAIN
 * (another suture is changing the process, or changed it while @once was
 * preparing) or QUIESCE_AGAIN, waiting QUIESCE_RETRY_MS between tries, for
 * up to @timeout_ms.  So two sutures working on one process take turns, and
 * each plans from the state the other left.  After QUIESCE_AGAIN the next
 * attempt is made at once, also past @timeout_ms (up to QUIESCE_AGAIN_MAX
 * times): that was work, not waiting.  Never 1: one too many is an
 * -EAGAIN.  A failure always has a message: the last attempt's, with the
 * timeout if that ended the loop.  If the attempt failed because process
 * @pid exited meanwhile (whatever step noticed first), the message says
 * so.
 */
int quiesce_retry(pid_t pid, int (*once)(void *arg, struct error *err),
		  void *arg, unsigned timeout_ms, struct error *err);

#endif
