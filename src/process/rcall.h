/*
 * rcall.h - calling a function in the stopped target (a patch's hook).
 *
 * The call runs on the injection thread (rsyscall.h) and returns into the
 * rescue stub, which stores the return value and goes on to restore the
 * thread: if suture dies while the function runs, the thread finishes it
 * and resumes where it was.  The other threads stay stopped.  The thread's
 * floating-point and vector registers are saved before and put back after,
 * as the function may use them.
 *
 * A function that does not return in time, or that crashes (a fault while
 * every signal is blocked), is abandoned: the thread is stopped, its
 * registers are put back as if the call never happened, and the caller
 * learns why.  What the function changed before that stays changed, and a
 * lock it took stays taken: hooks must be short and self-contained.
 */
#ifndef SUTURE_PROCESS_RCALL_H
#define SUTURE_PROCESS_RCALL_H

#include "process/rsyscall.h"

/*
 * rcall - call @fn() (named @name, for messages) in the target of @s and
 * wait at most @timeout_ms for it to return; *ret gets its return value
 * (int-sized: the low 32 bits, sign-extended).  -ETIMEDOUT if it did not
 * return, -EFAULT if it crashed; -ESRCH if the process died.
 */
int rcall(struct session *s, struct rsys *r, uint64_t fn, const char *name,
	  unsigned timeout_ms, long *ret, struct error *err);

/* rcall_word - the same for a function returning a pointer or a 64-bit
 * value: *ret gets the whole return register (an IFUNC resolver's
 * choice, ifunc.h). */
int rcall_word(struct session *s, struct rsys *r, uint64_t fn, const char *name,
	       unsigned timeout_ms, uint64_t *ret, struct error *err);

#endif
