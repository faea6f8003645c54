/*
 * rsyscall.h - system calls made by the target on suture's behalf.
 *
 * suture maps and unmaps memory in the target without the target's libc:
 * one stopped thread is pointed at a `syscall` instruction that already
 * exists in the target (the vDSO or libc), single-stepped over it, and its
 * registers are put back exactly when the session closes.  Nothing in the
 * target runs but that one instruction.
 */
#ifndef SUTURE_APPLY_RSYSCALL_H
#define SUTURE_APPLY_RSYSCALL_H

#include <stdint.h>

#include "apply/proc.h"
#include "apply/rmem.h"
#include "apply/session.h"

/*
 * rsyscall_find_insn - find the bytes of a system call instruction in an
 * executable mapping of the target (the vDSO first), outside suture's own
 * regions.  Done before stopping the process.  *addr gets its address.
 */
int rsyscall_find_insn(const struct rmem *mem, const struct proc_maps *maps,
		       uint64_t *addr, struct error *err);

/*
 * rsyscall - execute system call @nr(@args) in the target, on the thread of
 * open session @s best suited for it, from the instruction at @insn.  *ret
 * gets the raw result (a negative errno if the call failed in the target);
 * the return value is negative only if ptrace itself failed.  The thread's
 * registers are restored by session_close().
 */
int rsyscall(struct session *s, uint64_t insn, long nr, const uint64_t args[6],
	     long *ret, struct error *err);

/*
 * rsyscall_scratch - an address on the injection thread's stack, below the
 * red zone, where @len bytes of arguments (a file name) can be written for
 * the next rsyscall.  The bytes there are dead by the ABI.
 */
uint64_t rsyscall_scratch(struct session *s, size_t len);

#endif
