/* rsyscall.c - injecting system calls into a stopped target thread. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "apply/rsyscall.h"
#include "util/xalloc.h"

/* Largest chunk of an executable mapping read while looking for the
 * instruction: a vDSO is two pages; libc's text is found in its first MiB. */
#define SCAN_CHUNK (1u << 20)

/* Search [m->start, m->end) for the system call instruction. */
static int scan_map(const struct rmem *mem, const struct proc_map *m,
		    uint64_t *addr)
{
	size_t len =
	    m->end - m->start > SCAN_CHUNK ? SCAN_CHUNK : m->end - m->start;
	unsigned char *buf = xmalloc(len), *hit;
	int r = -ENOENT;

	if (!rmem_read(mem, m->start, buf, len, NULL) &&
	    (hit =
		 memmem(buf, len, arch_syscall_insn, arch_syscall_insn_len))) {
		*addr = m->start + (uint64_t)(hit - buf);
		r = 0;
	}
	free(buf);
	return r;
}

int rsyscall_find_insn(const struct rmem *mem, const struct proc_maps *maps,
		       uint64_t *addr, struct error *err)
{
	/* The vDSO is tiny and always there; then any other code. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < maps->n; i++) {
			const struct proc_map *m = &maps->v[i];
			bool vdso = !strcmp(m->path, "[vdso]");

			if (!(m->prot & PROT_EXEC) || vdso != (pass == 0) ||
			    strstr(m->path, "/memfd:suture:"))
				continue;
			if (!scan_map(mem, m, addr))
				return 0;
		}
	}
	return error_set(err, -ENOENT,
			 "found no system call instruction in the code of "
			 "process %d",
			 mem->pid);
}

/*
 * The thread that runs injected calls, chosen once per session: one not
 * holding a signal if possible, to keep signal bookkeeping simple; any
 * thread will do otherwise.
 */
static struct session_thread *injector(struct session *s)
{
	if (s->inj)
		return s->inj;
	s->inj = &s->t[0];
	for (size_t i = 0; i < s->n; i++)
		if (!s->t[i].nsigs) {
			s->inj = &s->t[i];
			break;
		}
	return s->inj;
}

uint64_t rsyscall_scratch(struct session *s, size_t len)
{
	uint64_t sp = arch_regs_sp(&injector(s)->regs);

	return (sp - arch_red_zone - len) & ~(uint64_t)15;
}

/*
 * Single-step @t until it has executed the instruction at @insn, leaving
 * its registers then in @now.  Stops that come before the instruction runs
 * are not ours: a pending interrupt (PTRACE_EVENT_STOP) is skipped, a
 * signal is held for session_close.
 */
static int step_over(struct session *s, struct session_thread *t, uint64_t insn,
		     arch_regs *now, struct error *err)
{
	int st;

	for (;;) {
		if (ptrace(PTRACE_SINGLESTEP, t->tid, 0, 0) < 0)
			goto out_lost;
		while (waitpid(t->tid, &st, __WALL) < 0)
			if (errno != EINTR)
				goto out_lost;
		if (!WIFSTOPPED(st))
			goto out_lost;
		t->sig_stop = (st >> 16) != PTRACE_EVENT_STOP;
		if (!t->sig_stop)
			continue;
		if (ptrace(PTRACE_GETREGS, t->tid, 0, now) < 0)
			goto out_lost;
		/* The step's own SIGTRAP leaves the pc past the instruction. */
		if (WSTOPSIG(st) == SIGTRAP &&
		    arch_regs_pc(now) == insn + arch_syscall_insn_len)
			return 0;
		session_hold_sig(t, WSTOPSIG(st));
	}
out_lost:
	return error_set(err, -ESRCH,
			 "thread %d of process %d vanished while running an "
			 "injected system call",
			 t->tid, s->pid);
}

/*
 * Block every signal of @t for the rest of the session.  Each single-step
 * otherwise lets the kernel dequeue one pending signal first, which would
 * then have to be held and re-sent (losing its ordering and, beyond the
 * first, its siginfo); blocked, they simply stay queued until
 * session_close restores the mask.  SIGKILL and SIGSTOP cannot be blocked
 * and are still handled by step_over.
 */
static int block_signals(struct session *s, struct session_thread *t,
			 struct error *err)
{
	uint64_t all = ~(uint64_t)0;

	if (t->mask_dirty)
		return 0;
	if (ptrace(PTRACE_GETSIGMASK, t->tid, sizeof(t->sigmask), &t->sigmask) <
	    0)
		goto out_fail;
	t->mask_dirty = true;
	if (ptrace(PTRACE_SETSIGMASK, t->tid, sizeof(all), &all) < 0)
		goto out_fail;
	return 0;
out_fail:
	return error_set(err, -errno,
			 "cannot set the signal mask of thread %d of process "
			 "%d: %s",
			 t->tid, s->pid, strerror(errno));
}

int rsyscall(struct session *s, uint64_t insn, long nr, const uint64_t args[6],
	     long *ret, struct error *err)
{
	struct session_thread *t = injector(s);
	arch_regs regs = t->regs;
	int r;

	if ((r = block_signals(s, t, err)))
		return r;
	arch_syscall_setup(&regs, insn, nr, args);
	/* Mark first: from here the kernel's copy may differ from t->regs. */
	t->dirty = true;
	if (ptrace(PTRACE_SETREGS, t->tid, 0, &regs) < 0)
		return error_set(err, -errno,
				 "cannot set the registers of thread %d of "
				 "process %d: %s",
				 t->tid, s->pid, strerror(errno));
	if ((r = step_over(s, t, insn, &regs, err)))
		return r;
	*ret = arch_syscall_result(&regs);
	return 0;
}
