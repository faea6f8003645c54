/*
 * rbatch.h - several system calls made by the target on suture's behalf
 * with one resume of the injecting thread (rsyscall.h).
 *
 * Each call rsyscall() injects costs two ptrace stops (its entry and its
 * exit), each a round trip through the scheduler to suture and back.  A
 * batch instead writes a table of calls on the thread's stack, points the
 * thread at the batch tail of the rescue stub (arch.h) and lets it run:
 * the tail makes the calls, stops at the first that fails, and raises a
 * signal for which suture waits, the one stop of the batch.  The signal
 * is one the program neither catches nor blocks on that thread (SIGURG,
 * SIGWINCH or SIGCHLD: ignored by default), so if suture dies meanwhile
 * the kernel discards it and the thread goes on to the park point and
 * restores itself, as after a single call.  The thread's seccomp filters
 * judge every call first, as rsyscall() does.
 *
 * Where a batch cannot be made so (no room for the tail in the cave, each
 * such signal caught or blocked, filters that look at the descriptor a
 * call takes from an earlier one) the calls are made one by one with
 * rsyscall(), with the same results.
 *
 * A quiet batch (asked for with @release) does not stop at its end when
 * every call succeeded: after the last call the tail wipes the table and
 * goes on to the park point, where the thread restores its own signal mask
 * and registers and runs on, as it would if suture had died; suture sleeps
 * meanwhile, then looks at the thread's signal mask (SigBlk), which nothing
 * but that restore changes during the batch, and so knows the calls were
 * made without stopping the thread a second time.  A call that fails (or an
 * mmap not at the address asked: ARCH_BATCH_AT) ends it as any batch, with
 * the notify signal and a stop, the table intact for suture to read.  The
 * thread then runs on, out of the session (session_thread's running), and
 * the stub stays in the cave until it is known to be out of it (rsyscall.h's
 * rsys_left).  A batch is quiet only where that is sound: see quiet_mask()
 * in rbatch.c.
 */
#ifndef SUTURE_PROCESS_RBATCH_H
#define SUTURE_PROCESS_RBATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "process/rsyscall.h"
#include "process/session.h"

/*
 * One call; flags are arch.h's ARCH_BATCH_*, and RBATCH_OPT: a call made
 * only by a batch (with those after it, which must be RBATCH_OPT too), and
 * left out, not run, where the calls would go one by one or a seccomp
 * filter forbids one of them or looks at an argument a call stores
 * (ARCH_BATCH_STORE) or takes from another (FD0, FD4).  The tail is what a
 * batch can do on the side: nothing the other calls need.  STORE and SOFT
 * are for such calls only: made one by one, no call stores or goes on.
 */
#define RBATCH_OPT 0x100
struct rbatch_call {
	long nr;
	uint64_t args[6];
	unsigned flags;
	long ret; /* its result (-errno on failure), or RBATCH_NOT_RUN */
};
#define RBATCH_NOT_RUN (-4096L)
#define RBATCH_OK      0x7fffffffffffffffL /* made by a quiet batch */

/*
 * rbatch_data_at - where rbatch_run puts @len bytes of argument data (a
 * file name) for a batch of @n calls on the injecting thread of @s, so
 * that the calls can point at it.
 */
uint64_t rbatch_data_at(struct session *s, size_t n, size_t len);

/* rbatch_arg_at - where the table of the same batch holds argument @k of
 * call @i: for a call that stores its result there (ARCH_BATCH_STORE). */
uint64_t rbatch_arg_at(struct session *s, size_t n, size_t len, size_t i,
		       int k);

/*
 * rbatch_run - make calls @c[0..n) in order on the injecting thread of open
 * session @s, after writing @data (@len bytes) at rbatch_data_at(): each
 * result in its ret, the calls after the first that failed not made.  A
 * negative return only if ptrace failed or the seccomp filters forbid a
 * call (then none was made).  @release: nothing else is done in @s, and a
 * batch that succeeds may let the thread go at its end (quiet, above):
 * then each ret is the address asked (ARCH_BATCH_AT) or RBATCH_OK.
 */
int rbatch_run(struct session *s, struct rsys *r, struct rbatch_call *c,
	       size_t n, const void *data, size_t len, bool release,
	       struct error *err);

#endif
