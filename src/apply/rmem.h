/*
 * rmem.h - the target's memory through /proc/PID/mem.
 *
 * Reads need only ptrace-read permission, so `suture status` works without
 * stopping anything.  Writes go through the kernel's FOLL_FORCE path: the
 * tracer may write read-only private pages (the module's code), which the
 * kernel copies on write, exactly as a debugger sets a breakpoint.
 *
 * Without the file: /proc/PID/mem is mode 0600 of the target's owner, so
 * a user who may trace another user's process (CAP_SYS_PTRACE) still may
 * not open it without CAP_DAC_OVERRIDE.  Such a user gets the same access
 * without it: process_vm_readv/writev, and for the pages those cannot
 * reach (read-only code and records, pages the program made
 * inaccessible), PTRACE_PEEKDATA/POKEDATA through a thread the caller's
 * session has stopped, or else one stopped for that transfer alone.
 */
#ifndef SUTURE_APPLY_RMEM_H
#define SUTURE_APPLY_RMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

struct rmem {
	pid_t pid;
	int fd; /* /proc/PID/mem, or -1: without the file (above) */
};

/* rmem_open - open @pid's memory, for writing too if @write.  A permission
 * failure gets the message of proc_deny(). */
int rmem_open(struct rmem *m, pid_t pid, bool write, struct error *err);
void rmem_close(struct rmem *m);

/* rmem_read - copy exactly @len bytes at target address @addr into @buf;
 * -EFAULT if any byte is unmapped. */
int rmem_read(const struct rmem *m, uint64_t addr, void *buf, size_t len,
	      struct error *err);

/* rmem_write - store exactly @len bytes from @buf at target address @addr. */
int rmem_write(const struct rmem *m, uint64_t addr, const void *buf, size_t len,
	       struct error *err);

#endif
