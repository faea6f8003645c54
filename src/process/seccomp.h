/*
 * seccomp.h - whether the target's seccomp filters let suture's injected
 * system calls through.
 *
 * A process may run under seccomp filters that forbid memfd_create or mmap
 * (or kill the process for trying).  suture reads the injecting thread's
 * filters (PTRACE_SECCOMP_GET_FILTER) and runs them itself, as the kernel
 * would, on every system call before injecting it: a call the filters do
 * not allow is never made, and the operation fails with a message naming
 * the call and what the filter would have done.
 */
#ifndef SUTURE_PROCESS_SECCOMP_H
#define SUTURE_PROCESS_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

struct seccomp_filters {
	struct sock_filter **prog; /* newest first, as the kernel lists them */
	size_t *len;
	size_t n;
};

/*
 * seccomp_load - read the filters of thread @tid of @pid, which suture must
 * hold stopped, in seccomp @mode (its status's, proc_thread_status).  A
 * thread without filters gets n = 0.  Release with seccomp_free.
 */
int seccomp_load(pid_t pid, pid_t tid, int mode, struct seccomp_filters *f,
		 struct error *err);
void seccomp_free(struct seccomp_filters *f);

/*
 * seccomp_allows - 0 if every filter of @f allows system call @nr(@args)
 * made from instruction address @ip; -EPERM with a message naming the call
 * and the filter's action otherwise.  @pid is for the message.
 */
int seccomp_allows(const struct seccomp_filters *f, pid_t pid, long nr,
		   uint64_t ip, const uint64_t args[6], struct error *err);

/*
 * seccomp_reads_arg - whether a filter of @f looks at argument @k of a
 * system call at all: if none does, seccomp_allows' verdict holds for any
 * value of it (a descriptor not known before the call is made).
 */
bool seccomp_reads_arg(const struct seccomp_filters *f, int k);

#endif
