/*
 * rmem.h - the target's memory through /proc/PID/mem.
 *
 * Reads need only ptrace-read permission, so `suture status` works without
 * stopping anything.  Writes go through the kernel's FOLL_FORCE path: the
 * tracer may write read-only private pages (the module's code), which the
 * kernel copies on write, exactly as a debugger sets a breakpoint.
 */
#ifndef SUTURE_PROCESS_RMEM_H
#define SUTURE_PROCESS_RMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

struct rmem {
	pid_t pid;
	int fd;
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
