/*
 * privilege.h - why the kernel refuses to let suture trace a process.
 *
 * ptrace(2) access (PTRACE_MODE_ATTACH) is granted when the caller's user
 * and group IDs are all the target's and the target is dumpable, or when
 * the caller holds CAP_SYS_PTRACE; Yama's kernel.yama.ptrace_scope may
 * restrict it further.  suture needs nothing else: no root, no other
 * capability (README: "Least privilege").
 */
#ifndef SUTURE_TRUST_PRIVILEGE_H
#define SUTURE_TRUST_PRIVILEGE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * privilege_missing - a sentence naming what this process lacks to trace
 * @pid (a capability, the target's ownership, ptrace_scope), into @buf.
 */
void privilege_missing(pid_t pid, char *buf, size_t size);

#endif
