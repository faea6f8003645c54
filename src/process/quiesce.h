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

/*
 * quiesce_retry - run @once(@arg) until it returns anything but -EAGAIN
 * (another suture is changing the process, or changed it while @once was
 * preparing), waiting QUIESCE_RETRY_MS between tries, for up to
 * @timeout_ms.  So two sutures working on one process take turns, and each
 * plans from the state the other left.  If the attempt failed because
 * process @pid exited meanwhile (whatever step noticed first), the message
 * says so.
 */
int quiesce_retry(pid_t pid, int (*once)(void *arg, struct error *err),
		  void *arg, unsigned timeout_ms, struct error *err);

#endif
