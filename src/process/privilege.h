/*
 * privilege.h - why the kernel refuses to let suture trace a process.
 *
 * ptrace(2) access (PTRACE_MODE_ATTACH) is granted when the caller's user
 * and group IDs are all the target's and the target is dumpable, or when
 * the caller holds CAP_SYS_PTRACE; Yama's kernel.yama.ptrace_scope may
 * restrict it further.  suture needs nothing else: no root, no other
 * capability (README: "Least privilege").
 */
#ifndef SUTURE_PROCESS_PRIVILEGE_H
#define SUTURE_PROCESS_PRIVILEGE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * privilege_missing - a sentence naming what this process lacks to trace
 * @pid (a capability, the target's ownership, ptrace_scope), into @buf.
 */
void privilege_missing(pid_t pid, char *buf, size_t size);

/*
 * privilege_sigio_ok - whether a signal the kernel sends on this process's
 * behalf (F_SETOWN_EX, as finish.c's breakpoint does) reaches thread @tid
 * of @pid: only if our effective uid is root or the thread's real or saved
 * uid, whatever our capabilities.  False with a sentence in @buf.
 */
bool privilege_sigio_ok(pid_t pid, pid_t tid, char *buf, size_t size);

#endif
