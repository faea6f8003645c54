/*
 * seccomp.c - running the target's seccomp filters on suture's own system
 * calls (seccomp.h): a small interpreter of classic BPF as seccomp uses it
 * (Documentation/userspace-api/seccomp_filter.rst, linux/filter.h).
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "arch/arch.h"
#include "process/seccomp.h"
#include "util/xalloc.h"

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif

/* What a filter sees: struct seccomp_data. */
struct sc_data {
	int32_t nr;
	uint32_t arch;
	uint64_t ip;
	uint64_t args[6];
};

int seccomp_load(pid_t pid, pid_t tid, int mode, struct seccomp_filters *f,
		 struct error *err)
{
	memset(f, 0, sizeof(*f));
	if (mode == SECCOMP_MODE_DISABLED)
		return 0;
	if (mode == SECCOMP_MODE_STRICT)
		return error_set(err, -EPERM,
				 "process %d runs in seccomp strict mode, "
				 "which allows no system call suture needs; "
				 "nothing was changed",
				 pid);
	for (;;) {
		long n = ptrace(PTRACE_SECCOMP_GET_FILTER, tid, f->n, NULL);

		if (n < 0 && (errno == ENOENT || errno == EINVAL))
			return 0; /* no (more) filters */
		if (n <= 0 || n > BPF_MAXINSNS)
			return error_set(err, n < 0 ? -errno : -EINVAL,
					 "cannot read the seccomp filters of "
					 "process %d: %s; suture will not "
					 "inject system calls it cannot check",
					 pid,
					 n < 0 ? strerror(errno) : "empty");
		f->prog = xrealloc(f->prog, (f->n + 1) * sizeof(*f->prog));
		f->len = xrealloc(f->len, (f->n + 1) * sizeof(*f->len));
		f->prog[f->n] = xcalloc((size_t)n, sizeof(struct sock_filter));
		f->len[f->n] = (size_t)n;
		if (ptrace(PTRACE_SECCOMP_GET_FILTER, tid, f->n,
			   f->prog[f->n]) != n) {
			f->n++;
			return error_set(err, -EIO,
					 "cannot read the seccomp "
					 "filters of process %d",
					 pid);
		}
		f->n++;
	}
}

void seccomp_free(struct seccomp_filters *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->prog[i]);
	free(f->prog);
	free(f->len);
	memset(f, 0, sizeof(*f));
}

/* The value of an ALU operation, or false for an invalid one. */
static bool alu(uint16_t op, uint32_t *a, uint32_t v)
{
	switch (op) {
	case BPF_ADD:
		*a += v;
		return true;
	case BPF_SUB:
		*a -= v;
		return true;
	case BPF_MUL:
		*a *= v;
		return true;
	case BPF_DIV:
		if (!v)
			return false;
		*a /= v;
		return true;
	case BPF_MOD:
		if (!v)
			return false;
		*a %= v;
		return true;
	case BPF_OR:
		*a |= v;
		return true;
	case BPF_AND:
		*a &= v;
		return true;
	case BPF_XOR:
		*a ^= v;
		return true;
	case BPF_LSH:
		*a = v < 32 ? *a << v : 0;
		return true;
	case BPF_RSH:
		*a = v < 32 ? *a >> v : 0;
		return true;
	case BPF_NEG:
		*a = -*a;
		return true;
	}
	return false;
}

static bool jump_taken(uint16_t op, uint32_t a, uint32_t v)
{
	switch (op) {
	case BPF_JEQ:
		return a == v;
	case BPF_JGT:
		return a > v;
	case BPF_JGE:
		return a >= v;
	case BPF_JSET:
		return (a & v) != 0;
	}
	return false;
}

/*
 * Run one filter; returns its SECCOMP_RET_* value.  Anything the kernel
 * would have rejected when the filter was installed counts as "kill", the
 * safe answer.  Jumps only go forward, so the loop ends.
 */
static uint32_t run(const struct sock_filter *prog, size_t len,
		    const struct sc_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
	const unsigned char *data = (const unsigned char *)d;

	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *in = &prog[pc];
		uint32_t v = BPF_SRC(in->code) == BPF_X ? x : in->k;

		switch (BPF_CLASS(in->code)) {
		case BPF_LD:
		case BPF_LDX: {
			uint32_t *r = BPF_CLASS(in->code) == BPF_LD ? &a : &x;
			if (BPF_MODE(in->code) == BPF_IMM)
				*r = in->k;
			else if (BPF_MODE(in->code) == BPF_LEN)
				*r = sizeof(*d);
			else if (BPF_MODE(in->code) == BPF_MEM &&
				 in->k < BPF_MEMWORDS)
				*r = mem[in->k];
			else if (BPF_MODE(in->code) == BPF_ABS &&
				 BPF_SIZE(in->code) == BPF_W &&
				 in->k <= sizeof(*d) - 4 && !(in->k & 3))
				memcpy(r, data + in->k, 4);
			else
				return SECCOMP_RET_KILL_PROCESS;
			break;
		}
		case BPF_ST:
		case BPF_STX:
			if (in->k >= BPF_MEMWORDS)
				return SECCOMP_RET_KILL_PROCESS;
			mem[in->k] = BPF_CLASS(in->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			if (!alu(BPF_OP(in->code), &a, v))
				return SECCOMP_RET_KILL_PROCESS;
			break;
		case BPF_JMP:
			if (BPF_OP(in->code) == BPF_JA)
				pc += in->k;
			else
				pc += jump_taken(BPF_OP(in->code), a, v)
					  ? in->jt
					  : in->jf;
			break;
		case BPF_RET:
			return BPF_RVAL(in->code) == BPF_A ? a : in->k;
		case BPF_MISC:
			if (BPF_MISCOP(in->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	return SECCOMP_RET_KILL_PROCESS;
}

static const char *action_name(uint32_t action)
{
	switch (action & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_KILL_PROCESS:
		return "kill the process";
	case SECCOMP_RET_KILL_THREAD:
		return "kill the thread";
	case SECCOMP_RET_TRAP:
		return "send it SIGSYS";
	case SECCOMP_RET_ERRNO:
		return "make it fail";
	case SECCOMP_RET_USER_NOTIF:
		return "ask a supervisor";
	case SECCOMP_RET_TRACE:
		return "notify a tracer";
	}
	return "refuse it";
}

static const char *call_name(long nr)
{
	switch (nr) {
	case SYS_memfd_create:
		return "memfd_create";
	case SYS_ftruncate:
		return "ftruncate";
	case SYS_mmap:
		return "mmap";
	case SYS_munmap:
		return "munmap";
	case SYS_close:
		return "close";
	case SYS_rt_sigprocmask:
		return "rt_sigprocmask";
	}
	return "a system call";
}

int seccomp_allows(const struct seccomp_filters *f, pid_t pid, long nr,
		   uint64_t ip, const uint64_t args[6], struct error *err)
{
	struct sc_data d = {
	    .nr = (int32_t)nr, .arch = arch_audit_arch, .ip = ip};

	memcpy(d.args, args, sizeof(d.args));
	for (size_t i = 0; i < f->n; i++) {
		uint32_t r = run(f->prog[i], f->len[i], &d);
		uint32_t action = r & SECCOMP_RET_ACTION_FULL;

		if (action == SECCOMP_RET_ALLOW || action == SECCOMP_RET_LOG)
			continue;
		return error_set(err, -EPERM,
				 "process %d runs under a seccomp filter that "
				 "forbids %s (it would %s), which suture "
				 "needs; nothing was changed",
				 pid, call_name(nr), action_name(r));
	}
	return 0;
}

bool seccomp_reads_arg(const struct seccomp_filters *f, int k)
{
	const uint32_t lo =
	    (uint32_t)(offsetof(struct sc_data, args) + 8 * (size_t)k);

	for (size_t i = 0; i < f->n; i++)
		for (size_t pc = 0; pc < f->len[i]; pc++) {
			const struct sock_filter *in = &f->prog[i][pc];

			/* run() reads seccomp_data only through BPF_ABS */
			if ((BPF_CLASS(in->code) == BPF_LD ||
			     BPF_CLASS(in->code) == BPF_LDX) &&
			    BPF_MODE(in->code) == BPF_ABS && in->k >= lo &&
			    in->k < lo + 8)
				return true;
		}
	return false;
}
