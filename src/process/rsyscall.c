/* rsyscall.c - injecting system calls into a stopped target thread. */
#include <errno.h>
#include <gelf.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "process/rsyscall.h"
#include "process/safety.h"
#include "util/fault.h"
#include "util/xalloc.h"

/* The end of @m's executable segment at run time, or 0. */
static uint64_t exec_segment_end(const struct module *m)
{
	size_t n;

	if (!m->elf || elf_getphdrnum(m->elf, &n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(m->elf, (int)i, &ph) && ph.p_type == PT_LOAD &&
		    (ph.p_flags & PF_X))
			return m->bias + ph.p_vaddr +
			       (ph.p_memsz > ph.p_filesz ? ph.p_memsz
							 : ph.p_filesz);
	}
	return 0;
}

/*
 * A cave in @m: from the end of its executable segment to the end of the
 * page mapped there.  Those bytes belong to no section (they are padding,
 * or file bytes of the next segment seen through this mapping), no code
 * refers to them, and writing them copies only this process's page.
 */
static uint64_t find_cave(const struct module *m, const struct proc_maps *maps,
			  size_t len)
{
	uint64_t end = exec_segment_end(m), cave = (end + 15) & ~15ull;
	const struct proc_map *pm = end ? proc_maps_find(maps, end - 1) : NULL;

	if (!pm || !(pm->prot & PROT_EXEC) || cave + len > pm->end)
		return 0;
	return cave;
}

/*
 * The cave's bytes as the file has them (past its end: zeros): what the
 * stub is replaced with afterwards.  Not the bytes the process has now,
 * which may be the stub of a suture killed before it put them back.
 */
static void pristine(const struct module *m, const struct proc_maps *maps,
		     uint64_t cave, unsigned char *out, size_t len)
{
	const struct proc_map *pm = proc_maps_find(maps, cave);
	uint64_t off = pm->offset + (cave - pm->start);
	size_t size = 0;
	const char *raw = elf_rawfile(m->elf, &size);

	for (size_t i = 0; i < len; i++)
		out[i] =
		    raw && off + i < size ? (unsigned char)raw[off + i] : 0;
}

/* Find a cave of r->len bytes, the executable's first; its module. */
static const struct module *pick_cave(struct rsys *r,
				      const struct modules *mods,
				      const struct proc_maps *maps)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < mods->n; i++)
			if (mods->v[i].is_main == (pass == 0) &&
			    (r->cave = find_cave(&mods->v[i], maps, r->len)))
				return &mods->v[i];
	return NULL;
}

int rsyscall_prepare(struct rsys *r, const struct rmem *mem,
		     const struct modules *mods, const struct proc_maps *maps,
		     struct error *err)
{
	const struct module *m = NULL;
	unsigned char *now;
	int ret;

	memset(r, 0, sizeof(*r));
	r->mem = mem;
	r->len = arch_rescue_len() + arch_batch_len();
	if (!(m = pick_cave(r, mods, maps))) {
		r->len = arch_rescue_len();
		m = pick_cave(r, mods, maps);
	}
	r->batch = r->len > arch_rescue_len();
	if (!r->cave)
		return error_set(err, -ENOSPC,
				 "found no room for suture's %zu-byte system "
				 "call stub in the code of process %d",
				 r->len, mem->pid);
	r->saved = xmalloc(r->len);
	pristine(m, maps, r->cave, r->saved, r->len);
	now = xmalloc(r->len);
	if (!(ret = rmem_read(mem, r->cave, now, r->len, err)))
		r->stale = memcmp(now, r->saved, r->len) != 0;
	free(now);
	return ret;
}

/* How often, and how long apart, rsyscall_on_thread_left looks for the
 * thread of a stub left in the cave to be out of it: it runs a few
 * instructions to leave it, so twice is rare; it may have been preempted. */
#define LEFT_TRIES   20
#define LEFT_WAIT_NS 1000000

/* Whether the stub in the cave of @rs is the one @left names. */
static bool ours(const struct rsys *rs, const struct rsys_left *left,
		 const struct session_lock *l)
{
	return left && left->tid && left->tid == l->tid &&
	       left->cave == rs->cave;
}

static bool in_stub(const struct rsys *rs, uint64_t addr)
{
	return addr >= rs->cave && addr < rs->cave + rs->len;
}

/* The most of a stack may_return reads: a thread's live stack is rarely
 * more; a larger one is taken as coming back. */
#define LEFT_SCAN_MAX (1u << 20)

/*
 * Whether stopped thread @t may still run the stub of @rs: its pc is in it,
 * or a word of its live stack points into it.  A signal may have come while
 * it ran the stub's restore (rescue.c), and the handler, wherever its stack
 * is (an alternate one in the thread's own stack, say), returns there.
 * Conservative: a stale word is a "yes", which only delays.
 */
static bool may_return(const struct rsys *rs, const struct proc_maps *maps,
		       const struct session_thread *t)
{
	uint64_t sp = arch_regs_sp(&t->regs);
	const struct proc_map *m = proc_maps_find(maps, sp);
	bool back = !m || m->end - sp > LEFT_SCAN_MAX;
	size_t n = back ? 0 : (size_t)(m->end - sp) / 8;
	uint64_t *w = xmalloc(n * 8 + 8);

	back |= in_stub(rs, arch_regs_pc(&t->regs)) ||
		(n && rmem_read(rs->mem, sp, w, n * 8, NULL));
	for (size_t i = 0; !back && i < n; i++)
		back = in_stub(rs, w[i]);
	free(w);
	return back;
}

/*
 * Stop the lock's thread alone; with a stale stub, which only it can be
 * running (ours()), until it is stopped where it cannot come back to it.
 */
static int open_outside(struct session *s, pid_t pid,
			const struct session_lock *l, const struct rsys *rs,
			const struct proc_maps *maps, struct error *err)
{
	const struct timespec nap = {0, LEFT_WAIT_NS};
	int r;

	for (int i = 0;; i++) {
		if ((r = session_open_thread(s, pid, l->tid, l, err)) ||
		    !rs->stale || !may_return(rs, maps, &s->t[0]))
			return r;
		session_close(s, NULL);
		if (i == LEFT_TRIES)
			return error_set(err, -EAGAIN,
					 "thread %d of process %d is still in "
					 "suture's system call stub",
					 l->tid, pid);
		nanosleep(&nap, NULL);
	}
}

int rsyscall_on_thread_left(pid_t pid, const struct session_lock *l,
			    const struct rmem *mem, const struct modules *mods,
			    const struct proc_maps *maps, rsyscall_work_fn *fn,
			    void *arg, struct rsys_left *left,
			    uint64_t *held_ns, struct error *err)
{
	struct session s;
	struct rsys rs;
	int r;

	if ((r = rsyscall_prepare(&rs, mem, mods, maps, err)))
		return r;
	/* The stub a killed suture left may still be run by a thread on its
	 * way out, which only a stop of every thread can rule out. */
	if (rs.stale && !ours(&rs, left, l)) {
		rsyscall_drop(&rs);
		return error_set(err, -EAGAIN,
				 "an interrupted suture's system call stub is "
				 "still in process %d",
				 pid);
	}
	if ((rs.status_fd = proc_thread_status_open(pid, l->tid)) >= 0)
		rs.status_tid = l->tid;
	if ((r = open_outside(&s, pid, l, &rs, maps, err))) {
		rsyscall_drop(&rs);
		return r;
	}
	if (left)
		left->tid = 0; /* out of the stub: it goes in finish */
	rs.left = left;
	if ((r = fn(arg, &s, &rs, err)))
		session_close(&s, NULL); /* @fn's error is the one to tell */
	else
		r = session_close(&s, err);
	if (held_ns)
		*held_ns = s.pause_ns;
	rsyscall_finish(&rs);
	return r;
}

int rsyscall_on_thread(pid_t pid, const struct session_lock *l,
		       const struct rmem *mem, const struct modules *mods,
		       const struct proc_maps *maps, rsyscall_work_fn *fn,
		       void *arg, uint64_t *held_ns, struct error *err)
{
	return rsyscall_on_thread_left(pid, l, mem, mods, maps, fn, arg, NULL,
				       held_ns, err);
}

void rsyscall_forbid(const struct rsys *r, struct safety *sf)
{
	safety_add(sf, r->cave, r->cave + r->len,
		   "the system call stub of an interrupted suture");
}

void rsyscall_drop(struct rsys *r)
{
	if (r->status_tid)
		close(r->status_fd);
	seccomp_free(&r->sc);
	free(r->saved);
	memset(r, 0, sizeof(*r));
}

void rsyscall_finish(struct rsys *r)
{
	if ((r->written || r->stale) && !(r->left && r->left->tid))
		rmem_write(r->mem, r->cave, r->saved, r->len, NULL);
	rsyscall_drop(r);
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
 * Resume @t until its next system-call stop (entry or exit).  Stops that
 * come first are not ours: a pending interrupt stop is skipped, a signal
 * (only SIGSTOP can get through the blocked mask) is held for
 * session_close.  System-call stops are used rather than single steps
 * because if suture dies in one, the kernel sends the thread nothing
 * (PTRACE_O_TRACESYSGOOD makes the pending code an invalid signal number),
 * while a single step's SIGTRAP would be delivered and kill the process.
 */
int rsyscall_step(struct session *s, struct session_thread *t,
		  struct error *err)
{
	int st;

	for (;;) {
		if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
			goto out_lost;
		if (session_wait(s, t, &st) < 0)
			goto out_lost;
		if (!WIFSTOPPED(st))
			continue;
		t->in_syscall = WSTOPSIG(st) == (SIGTRAP | 0x80);
		t->sig_stop = !t->in_syscall && (st >> 16) != PTRACE_EVENT_STOP;
		if (t->in_syscall)
			return 0;
		if (t->sig_stop)
			session_hold_sig(t, WSTOPSIG(st));
	}
out_lost:
	return error_set(err, -ESRCH,
			 "process %d exited (thread %d vanished while running "
			 "an injected system call); nothing is left to undo",
			 s->pid, t->tid);
}

/*
 * Block every signal of @t for the rest of the session.  Each resume
 * otherwise lets the kernel dequeue one pending signal first, which would
 * then have to be held and re-sent (losing its ordering and, beyond the
 * first, its siginfo); blocked, they simply stay queued until
 * session_close restores the mask.  SIGKILL and SIGSTOP cannot be blocked
 * and are still handled by rsyscall_step.
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

/*
 * Make the injection thread safe to lose: write the rescue stub, then park
 * the thread on its restore path (orig_rax = -1 so the kernel does not
 * "restart" anything into the stub), then block its signals.  Each step
 * leaves a thread that resumes correctly if suture dies right after it.
 */
static int park(struct session *s, struct rsys *r, struct session_thread *t,
		struct error *err)
{
	unsigned char stub[ARCH_RESCUE_MAX];
	struct proc_thread_status st;
	arch_regs resume, parked;
	uint64_t mask;
	int ret;

	if (ptrace(PTRACE_GETSIGMASK, t->tid, sizeof(mask), &mask) < 0 ||
	    (errno = -(t->tid == r->status_tid
			   ? proc_thread_status_at(r->status_fd, &st)
			   : proc_thread_status(s->pid, t->tid, &st))))
		return error_set(err, -errno,
				 "cannot read the signal mask of thread %d of "
				 "process %d: %s",
				 t->tid, s->pid, strerror(errno));
	r->caught = st.caught;
	/* The stub's own rt_sigprocmask must be allowed too: it runs if
	 * suture dies. */
	const uint64_t restore[6] = {SIG_SETMASK, r->cave, 0, sizeof(mask)};

	if ((ret = seccomp_load(s->pid, t->tid, st.seccomp, &r->sc, err)) ||
	    (ret =
		 seccomp_allows(&r->sc, s->pid, SYS_rt_sigprocmask,
				r->cave + arch_syscall_insn_len, restore, err)))
		return ret;
	arch_regs_resume(&t->regs, &resume);
	arch_rescue_write(stub, r->cave, &resume, mask);
	if (r->batch)
		arch_batch_write(stub + arch_rescue_len(),
				 r->cave + arch_rescue_len(),
				 r->cave + arch_rescue_park());
	r->written = true;
	if ((ret = rmem_write(r->mem, r->cave, stub, r->len, err)))
		return ret;
	fault_point("rescue stub written");
	rsyscall_parked_regs(r, t, &parked);
	t->dirty = true;
	if ((ret = rsyscall_set_regs(s, t, &parked, err)))
		return ret;
	fault_point("thread parked");
	if ((ret = block_signals(s, t, err)))
		return ret;
	fault_point("signals blocked");
	return 0;
}

int rsyscall_set_regs(struct session *s, struct session_thread *t,
		      const arch_regs *regs, struct error *err)
{
	if (ptrace(PTRACE_SETREGS, t->tid, 0, regs) < 0)
		return error_set(err, -errno,
				 "cannot set the registers of thread %d of "
				 "process %d: %s",
				 t->tid, s->pid, strerror(errno));
	return 0;
}

struct session_thread *rsyscall_ready(struct session *s, struct rsys *r,
				      struct error *err)
{
	struct session_thread *t = injector(s);

	if (t->running) {
		error_set(err, -EINVAL,
			  "thread %d of process %d was let go after a batch",
			  t->tid, s->pid);
		return NULL;
	}
	return !t->dirty && park(s, r, t, err) ? NULL : t;
}

void rsyscall_parked_regs(const struct rsys *r, const struct session_thread *t,
			  arch_regs *regs)
{
	static const uint64_t none[6];

	*regs = t->regs;
	arch_syscall_setup(regs, r->cave + arch_rescue_park(), 0, none);
}

int rsyscall(struct session *s, struct rsys *r, long nr, const uint64_t args[6],
	     long *ret, struct error *err)
{
	struct session_thread *t = rsyscall_ready(s, r, err);
	arch_regs regs;
	int e;

	if (!t)
		return -EIO;
	regs = t->regs;
	if ((e = seccomp_allows(&r->sc, s->pid, nr,
				r->cave + arch_syscall_insn_len, args, err)))
		return e;
	arch_syscall_setup(&regs, r->cave, nr, args);
	if ((e = rsyscall_set_regs(s, t, &regs, err)))
		return e;
	fault_point("system call set up");
	if ((e = rsyscall_step(s, t, err)))
		return e;
	fault_point("system call entered");
	/* After the exit stop the thread is at the park point again. */
	if ((e = rsyscall_step(s, t, err)))
		return e;
	if (ptrace(PTRACE_GETREGS, t->tid, 0, &regs) < 0)
		return error_set(err, -errno,
				 "cannot read the registers of thread %d of "
				 "process %d: %s",
				 t->tid, s->pid, strerror(errno));
	fault_point("system call done");
	*ret = arch_syscall_result(&regs);
	return 0;
}
