/*
 * refscan.h - what in a stopped process may still refer to some memory:
 * a conservative scan of all its memory and every thread's registers.
 *
 * Before suture unmaps a patch's region it must know that the program can
 * never reach it again.  Thread stacks are not enough: a coroutine, a green
 * thread or a context saved by hand keeps return addresses and saved
 * instruction pointers in ordinary memory, and a program keeps pointers to
 * functions and strings wherever it likes.  So every 8-byte-aligned word
 * of the process's memory and registers counts as a possible pointer (a
 * stale one only keeps memory a while longer; a missed one would crash the
 * program), also as glibc's setjmp stores it (mangled with the pointer
 * guard).  Only the dead part of a thread's own stack, below its stack
 * pointer and red zone, is left out while nothing points into it.
 *
 * Pages a private mapping has never written (code and constants as the
 * file has them, untouched anonymous memory) hold no pointer the program
 * made and are not read; the rest is read in big blocks.  The scan must
 * run with every thread stopped, or a pointer could move from a part not
 * yet read to one already read.
 */
#ifndef SUTURE_APPLY_REFSCAN_H
#define SUTURE_APPLY_REFSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "process/rmem.h"
#include "process/session.h"

struct refscan_pre; /* prescan.h */

/* Memory whose references are counted. */
struct refscan_target {
	uint64_t lo, hi;   /* a word in [lo, hi) refers to it */
	bool own;	   /* [lo, hi) is mapped memory of its own, which is
			      not scanned (a region's references to itself) */
	size_t count;	   /* references found */
	size_t in_threads; /* of them, in a thread's registers or in the
			      live part of its own stack: often a stale
			      slot, which the thread overwrites as it runs */
	uint64_t value;	   /* the first one */
	bool unreadable;   /* it is memory suture could not read */
	uint64_t at;	   /* where it was; 0: in a register */
	pid_t tid;	   /* whose register, when @at is 0 */
};

/*
 * refscan - count the references to each of @t[0..n) in the process of
 * session @s, whose every thread must be stopped.  Memory that cannot be
 * read counts as a reference to every target (it might hold one).  @pre:
 * NULL, or the scan refscan_before made for the same targets, to take for
 * what was not written since if it still holds (pre->ok after).
 */
int refscan(struct session *s, const struct rmem *mem, struct refscan_target *t,
	    size_t n, struct refscan_pre *pre, struct error *err);

/*
 * refscan_before - while the program runs, the scan refscan makes in the
 * stop for targets @t[0..n), so that the stop, given @pre, reads again
 * only what was written since (prescan.h; @canary: an address of the
 * process whose byte suture may rewrite).  Never fails: pre->ok false and
 * pre->why if the stop must read everything.  @pre is prescan_free'd by
 * the caller.
 */
void refscan_before(pid_t pid, const struct rmem *mem,
		    const struct refscan_target *t, size_t n, uint64_t canary,
		    struct refscan_pre *pre);

/*
 * refscan_where - describe address @at of process @pid for a message:
 * "heap", "stack", "anonymous memory", a file's name, "patch NAME"; or,
 * when @at is 0, "a register of thread TID".  Into @buf of @len bytes.
 */
char *refscan_where(pid_t pid, uint64_t at, pid_t tid, char *buf, size_t len);

#endif
