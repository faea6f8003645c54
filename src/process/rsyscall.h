/*
 * rsyscall.h - system calls made by the target on suture's behalf.
 *
 * suture maps and unmaps memory in the target without the target's libc:
 * one stopped thread runs a `syscall` instruction that suture placed in a
 * code cave (the unused tail of an executable segment's last page), from
 * system-call stop to system-call stop, and its registers are put back
 * when the session closes.
 *
 * The cave holds a rescue stub (arch.h), not just the instruction: after
 * the system call it restores the thread's signal mask and registers by
 * itself and jumps back to where the thread was.  From the moment suture
 * changes the thread's registers until it restores them, the thread is
 * "parked" on that restore path.  So if suture is killed at any instant,
 * the kernel lets the thread go and it resumes exactly as it was (an
 * interrupted blocking call restarts), instead of running on with registers
 * suture had borrowed.
 */
#ifndef SUTURE_PROCESS_RSYSCALL_H
#define SUTURE_PROCESS_RSYSCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "process/modules.h"
#include "process/proc.h"
#include "process/rmem.h"
#include "process/seccomp.h"
#include "process/session.h"

/*
 * A stub a batch left in the cave when it let its thread go without a
 * second stop (rbatch.h): thread @tid restores itself from it and may
 * still be on its way out.  Until a stop sees no thread there, the stub
 * must stay: a stop of every thread that forbids the cave (rsyscall_forbid)
 * may then put the cave's bytes back, or rsyscall_on_thread_left, which
 * waits for @tid to be out.  tid 0: none.  The thread, seized, stops for
 * each signal it takes and may be found in the stub's restore each time:
 * @detour, put in the lock (session.h), finishes that restore for it.
 */
struct rsys_left {
	pid_t tid;
	uint64_t cave;
	struct session_detour detour; /* its restore, for the lock */
};

struct rsys {
	const struct rmem *mem;
	uint64_t cave;	      /* where the rescue stub goes */
	unsigned char *saved; /* the cave's bytes in the file */
	bool stale;   /* the cave holds something else: the stub of a suture
			 killed before it put the bytes back, which a thread
			 may still be running on its way out */
	size_t len;   /* bytes of the stub */
	bool batch;   /* with the batch tail (arch.h): there was room */
	bool written; /* the stub is in the target */
	struct seccomp_filters sc; /* the injecting thread's filters */
	uint64_t caught; /* the signals the program catches, read with sc */
	struct rsys_left *left; /* where a batch that let its thread go
				   records the stub left (NULL: none may) */
	pid_t status_tid;	/* 0, or the thread whose status file status_fd
				   is, opened before the stop (park reads it) */
	int status_fd;
};

/*
 * rsyscall_prepare - choose a cave in the code of one of @mods (the
 * executable first) and keep its current bytes.  Done before stopping the
 * process.  Release with rsyscall_finish.
 */
int rsyscall_prepare(struct rsys *r, const struct rmem *mem,
		     const struct modules *mods, const struct proc_maps *maps,
		     struct error *err);

/*
 * rsyscall_on_thread - run @fn(@arg, ...) with only the thread of lock @l
 * on @pid stopped and a stub prepared (as rsyscall_prepare) for system
 * calls on it, then release it: for work no running thread can notice,
 * such as mapping memory that nothing refers to yet, or unmapping memory
 * that nothing refers to any more.  @fn's error, or the session's;
 * *@held_ns (if not NULL) gets how long the thread was stopped.
 */
typedef int rsyscall_work_fn(void *arg, struct session *s, struct rsys *rs,
			     struct error *err);
int rsyscall_on_thread(pid_t pid, const struct session_lock *l,
		       const struct rmem *mem, const struct modules *mods,
		       const struct proc_maps *maps, rsyscall_work_fn *fn,
		       void *arg, uint64_t *held_ns, struct error *err);

/*
 * rsyscall_on_thread_left - the same, and @fn's last batch may let the
 * thread go without a second stop (rbatch.h), leaving the stub in the cave:
 * *@left says so, and the caller puts the cave's bytes back in its next stop
 * of every thread (or clears *@left).  A stub *@left names, on the lock's
 * thread, is no refusal: once that thread is stopped outside it, it is
 * replaced (the thread stopped inside is let go and stopped again later;
 * -EAGAIN if it is found there each time).
 */
int rsyscall_on_thread_left(pid_t pid, const struct session_lock *l,
			    const struct rmem *mem, const struct modules *mods,
			    const struct proc_maps *maps, rsyscall_work_fn *fn,
			    void *arg, struct rsys_left *left,
			    uint64_t *held_ns, struct error *err);

/*
 * rsyscall - execute system call @nr(@args) in the target, on the thread of
 * open session @s best suited for it.  *ret gets the raw result (a negative
 * errno if the call failed in the target); the return value is negative
 * only if ptrace itself failed.  The thread's registers and signal mask are
 * restored by session_close().
 */
int rsyscall(struct session *s, struct rsys *r, long nr, const uint64_t args[6],
	     long *ret, struct error *err);

/*
 * rsyscall_ready - the thread of @s that runs injected code, parked on the
 * rescue stub (written now if it was not), or NULL with @err set.
 * rsyscall_parked_regs - its registers when parked (rcall.h puts them
 * back after a call).
 */
struct session_thread *rsyscall_ready(struct session *s, struct rsys *r,
				      struct error *err);
void rsyscall_parked_regs(const struct rsys *r, const struct session_thread *t,
			  arch_regs *regs);

/* rsyscall_set_regs - set @t's registers to @regs; an error naming the
 * thread if ptrace fails. */
int rsyscall_set_regs(struct session *s, struct session_thread *t,
		      const arch_regs *regs, struct error *err);

/* rsyscall_step - resume @t until its next system-call stop (entry or
 * exit), holding back signals that stop it first. */
int rsyscall_step(struct session *s, struct session_thread *t,
		  struct error *err);

/*
 * rsyscall_forbid - forbid the cave in @sf: a stop that writes it must not
 * find a thread in it (or due to return into it: a called hook), which can
 * only be one leaving the stub of a suture killed meanwhile.
 */
struct safety;
void rsyscall_forbid(const struct rsys *r, struct safety *sf);

/*
 * rsyscall_finish - after session_close(): put the cave's bytes back (the
 * file's, also over a stale stub; not while r->left names a thread on its
 * way out of it) and release @r.  If suture dies before
 * this, the stub stays in the cave, unreachable and harmless, until a stop
 * of every thread, with none of them in the cave (safety: the caller
 * forbids it), lets the next suture put the bytes back.
 */
void rsyscall_finish(struct rsys *r);

/* rsyscall_drop - release @r without touching the process: when no stop
 * was made (rsyscall_finish after one is a no-op on it). */
void rsyscall_drop(struct rsys *r);

/*
 * rsyscall_scratch - an address on the injection thread's stack, below the
 * red zone, where @len bytes of arguments (a file name) can be written for
 * the next rsyscall.  The bytes there are dead by the ABI.
 */
uint64_t rsyscall_scratch(struct session *s, size_t len);

#endif
