/* rbatch.c - a batch of injected system calls, one stop (rbatch.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "process/rbatch.h"
#include "util/fault.h"
#include "util/xalloc.h"

#define WORDS (ARCH_BATCH_ENTRY / 8)

/* Bytes of the table (the calls and the notify entry) and the data. */
static size_t table_size(size_t n)
{
	return (n + 1) * ARCH_BATCH_ENTRY;
}

/* Where the table of a batch of @n calls with @len bytes of data goes. */
static uint64_t table_at(struct session *s, size_t n, size_t len)
{
	return rsyscall_scratch(s, table_size(n) + len);
}

uint64_t rbatch_data_at(struct session *s, size_t n, size_t len)
{
	return table_at(s, n, len) + table_size(n);
}

uint64_t rbatch_arg_at(struct session *s, size_t n, size_t len, size_t i, int k)
{
	return table_at(s, n, len) + i * ARCH_BATCH_ENTRY + 8 + 8 * (uint64_t)k;
}

/* A call's arguments, with the kept descriptor @fd where it goes. */
static void args_of(const struct rbatch_call *c, long fd, uint64_t args[6])
{
	memcpy(args, c->args, sizeof(c->args));
	if (c->flags & ARCH_BATCH_FD0)
		args[0] = (uint64_t)fd;
	if (c->flags & ARCH_BATCH_FD4)
		args[4] = (uint64_t)fd;
}

/* The calls one by one, two stops each. */
static int one_by_one(struct session *s, struct rsys *r, struct rbatch_call *c,
		      size_t n, struct error *err)
{
	long fd = -1;
	int e;

	for (size_t i = 0; i < n; i++) {
		uint64_t args[6];

		args_of(&c[i], fd, args);
		if ((e = rsyscall(s, r, c[i].nr, args, &c[i].ret, err)))
			return e;
		if ((unsigned long)c[i].ret >= -4095ul)
			break;
		if (c[i].flags & ARCH_BATCH_KEEP)
			fd = c[i].ret;
	}
	return 0;
}

/*
 * The signal to end the batch with: ignored by default, not caught, and
 * not blocked by @t as it was found (so that no signalfd or sigwait of the
 * program could have been waiting for one that comes meanwhile: the
 * program discards them whichever thread takes them).  0 if none.
 */
static int notify_signal(const struct rsys *r, const struct session_thread *t)
{
	static const int quiet[] = {SIGURG, SIGWINCH, SIGCHLD};
	uint64_t no = r->caught | t->sigmask;

	for (size_t i = 0; i < sizeof(quiet) / sizeof(*quiet); i++)
		if (!(no & (1ull << (quiet[i] - 1))))
			return quiet[i];
	return 0;
}

/* Whether the filters judge call @c by a value the batch puts in one of
 * its arguments as it runs (a kept or stored descriptor). */
static bool judged_by_later(const struct rsys *r, const struct rbatch_call *c)
{
	return ((c->flags & (ARCH_BATCH_FD0 | RBATCH_OPT)) &&
		seccomp_reads_arg(&r->sc, 0)) ||
	       ((c->flags & (ARCH_BATCH_FD4 | RBATCH_OPT)) &&
		seccomp_reads_arg(&r->sc, 4));
}

/*
 * Whether the batch may run: 1 yes, 0 (one by one instead) if the filters
 * look at a descriptor an earlier call makes or forbid the notify call,
 * <0 if they forbid a call (which one by one would refuse too).  *@n is
 * cut to the first optional call (RBATCH_OPT) they forbid or judge by a
 * value the batch makes.
 */
static int filters_allow(struct session *s, struct rsys *r,
			 const struct rbatch_call *c, size_t *n,
			 const uint64_t notify[6], struct error *err)
{
	uint64_t ip = r->cave + arch_rescue_len() + arch_batch_insn();
	int e;

	for (size_t i = 0; i < *n; i++) {
		bool later = judged_by_later(r, &c[i]);
		uint64_t args[6];

		args_of(&c[i], 0, args);
		if ((c[i].flags & RBATCH_OPT) &&
		    (later ||
		     seccomp_allows(&r->sc, s->pid, c[i].nr, ip, args, NULL))) {
			*n = i;
			break;
		}
		if (later)
			return 0;
		if ((e = seccomp_allows(&r->sc, s->pid, c[i].nr, ip, args,
					err)))
			return e;
	}
	return !seccomp_allows(&r->sc, s->pid, SYS_tgkill, ip, notify, NULL);
}

/* The calls before the first optional one. */
static size_t required(const struct rbatch_call *c, size_t n)
{
	size_t i = 0;

	while (i < n && !(c[i].flags & RBATCH_OPT))
		i++;
	return i;
}

/* The table of the @n calls to run and the data (at @off, where a table
 * of all the calls ends), as written into the target; @quiet: the batch
 * ends without the notify call if every call succeeds (arch.h). */
static unsigned char *encode(const struct rbatch_call *c, size_t n,
			     const uint64_t notify[6], bool quiet,
			     const void *data, size_t len, size_t off)
{
	unsigned char *buf = xcalloc(1, off + len);
	uint64_t *w = (uint64_t *)buf;

	for (size_t i = 0; i <= n; i++, w += WORDS) {
		w[0] = (uint64_t)(i < n ? c[i].nr : SYS_tgkill);
		memcpy(w + 1, i < n ? c[i].args : notify, 6 * 8);
		w[7] = i < n ? c[i].flags & 0xff : quiet ? ARCH_BATCH_QUIET : 0;
		w[8] = (uint64_t)RBATCH_NOT_RUN;
	}
	if (quiet) /* the notify entry's result word */
		w[-1] = -(uint64_t)(n * ARCH_BATCH_ENTRY);
	memcpy(buf + off, data, len);
	return buf;
}

static int set_mask(struct session *s, struct session_thread *t, uint64_t mask,
		    struct error *err)
{
	if (ptrace(PTRACE_SETSIGMASK, t->tid, sizeof(mask), &mask) < 0)
		return error_set(err, -errno,
				 "cannot set the signal mask of thread %d of "
				 "process %d: %s",
				 t->tid, s->pid, strerror(errno));
	return 0;
}

/* @t vanished during the batch.  If only the thread exited (a thread that
 * ends on its own, which a quiet batch lets run on to its exit), what the
 * calls mapped is unknown but recognisable: -EAGAIN, a new attempt, which
 * removes it as an interrupted suture's leftover first. */
static int lost(struct session *s, struct session_thread *t, struct error *err)
{
	if (!proc_gone(s->pid))
		return error_set(err, -EAGAIN,
				 "thread %d of process %d exited while it "
				 "ran injected system calls",
				 t->tid, s->pid);
	return error_set(err, -ESRCH,
			 "process %d exited (thread %d vanished while running "
			 "injected system calls); nothing is left to undo",
			 s->pid, t->tid);
}

/*
 * Whether wait status @st of @t is the batch's end: stopped right after
 * the notify call.  Other stops are not ours: an interrupt or group stop
 * is passed, another signal held for session_close, and @sig itself from
 * elsewhere dropped (the program ignores it).
 */
static bool batch_end(struct session_thread *t, int st, int sig, uint64_t tail,
		      uint64_t notify)
{
	arch_regs regs;

	if (!WIFSTOPPED(st) || (st >> 16) == PTRACE_EVENT_STOP)
		return false;
	if (WSTOPSIG(st) != sig) {
		session_hold_sig(t, WSTOPSIG(st));
		return false;
	}
	return ptrace(PTRACE_GETREGS, t->tid, 0, &regs) == 0 &&
	       arch_batch_done(&regs, tail, notify);
}

/* @t stopped after the notify call: a signal-delivery-stop, which
 * session_close and rsyscall resume from as from an interrupt stop. */
static void ended(struct session_thread *t)
{
	t->in_syscall = false;
	t->sig_stop = true;
}

/* Let @t run the batch until it stops right after the notify call. */
static int wait_done(struct session *s, struct session_thread *t, int sig,
		     uint64_t tail, uint64_t notify, struct error *err)
{
	int st;

	do
		if (ptrace(PTRACE_CONT, t->tid, 0, 0) < 0 ||
		    session_wait(s, t, &st) < 0)
			return lost(s, t, err);
	while (!batch_end(t, st, sig, tail, notify));
	ended(t);
	return 0;
}

/*
 * How long suture sleeps before it first looks at a quiet batch (what the
 * mapping's calls take), and then between two looks.  It sleeps on the
 * thread's CPU, where it is pinned (session.c): the thread runs the batch
 * meanwhile, and suture's wake-up is a timer there, not a wake-up sent to
 * another CPU.
 */
#define QUIET_FIRST_NS 40000
#define QUIET_NAP_NS   50000

/*
 * The signal to pass on at once to @t, found in wait status @st while a
 * quiet batch runs, or 0.  Once the thread has restored its own mask, the
 * signals it had pending come, one stop each: held (session_hold_sig keeps
 * a few) they would drain the kernel's queue and be lost, so each goes on
 * as the stop reports it, its siginfo with it, which is how the kernel
 * would have delivered it.  Only these can come: during the batch the mask
 * lets nothing through but @sig (from elsewhere: ignored, dropped by
 * batch_end) and what cannot be blocked.  A stop signal is held instead,
 * as a stop inside the batch would hold the thread in the stub.
 */
static int pass_on(int st, int sig)
{
	int k = WSTOPSIG(st);

	if (!WIFSTOPPED(st) || (st >> 16) == PTRACE_EVENT_STOP || k == sig ||
	    k == SIGSTOP || k == SIGTSTP || k == SIGTTIN || k == SIGTTOU)
		return 0;
	return k;
}

/*
 * Let @t run a quiet batch, whose end the thread does not stop for: 1 once
 * its signal mask is no longer @mask, the batch's (only the park point's
 * restore changes it: the thread has made every call and is on its way
 * back), 0 if it stopped after the notify call instead (a call failed).
 */
static int wait_quiet(struct session *s, struct session_thread *t, int sig,
		      uint64_t tail, uint64_t notify, uint64_t mask,
		      struct error *err)
{
	struct timespec nap = {0, QUIET_FIRST_NS};
	uint64_t now, caught;
	int st, e, k;

	if (ptrace(PTRACE_CONT, t->tid, 0, 0) < 0)
		return lost(s, t, err);
	fault_point("batch let go");
	for (;; nap.tv_nsec = QUIET_NAP_NS) {
		nanosleep(&nap, NULL);
		while (!(e = session_wait_until(s, t, &st, 1)) &&
		       (k = pass_on(st, sig)))
			if (ptrace(PTRACE_CONT, t->tid, 0, (void *)(long)k) < 0)
				return lost(s, t, err);
		if (e == -ESRCH)
			return lost(s, t, err);
		if (!e && batch_end(t, st, sig, tail, notify)) {
			ended(t);
			return 0;
		}
		if (!e && ptrace(PTRACE_CONT, t->tid, 0, 0) < 0)
			return lost(s, t, err);
		if (e && !proc_thread_signals(s->pid, t->tid, &now, &caught) &&
		    now != mask)
			return 1;
	}
}

/*
 * After a quiet batch: @t runs on by itself, from the stub, which stays
 * in the cave (rsyscall.h's left); the signals held meanwhile go to it
 * now.  Every call succeeded: an AT call's result is its argument 0, the
 * others' RBATCH_OK (the table is gone).
 */
static void let_go(struct session *s, struct rsys *r, struct session_thread *t,
		   struct rbatch_call *c, size_t n)
{
	t->running = true;
	for (size_t i = 0; i < t->nsigs; i++)
		syscall(SYS_tgkill, s->pid, t->tid, t->sigs[i]);
	t->nsigs = 0;
	r->left->tid = t->tid;
	r->left->cave = r->cave;
	r->left->detour.lo = r->cave + arch_rescue_park();
	r->left->detour.hi = r->cave + arch_rescue_return();
	arch_regs_resume(&t->regs, &r->left->detour.regs);
	r->left->detour.sigmask = t->sigmask;
	for (size_t i = 0; i < n; i++)
		c[i].ret =
		    c[i].flags & ARCH_BATCH_AT ? (long)c[i].args[0] : RBATCH_OK;
	fault_point("batch left");
}

/* One batch in the target: where and how. */
struct batch {
	struct session_thread *t;
	int sig;
	uint64_t at, tail, notify;
	uint64_t quiet; /* the signal mask of a quiet batch, or 0 */
};

/* Run the encoded batch @buf and read the results back. */
static int run(struct session *s, struct rsys *r, const struct batch *b,
	       struct rbatch_call *c, size_t n, unsigned char *buf, size_t size,
	       struct error *err)
{
	uint64_t mask = b->quiet ? b->quiet : ~(1ull << (b->sig - 1));
	arch_regs regs;
	int e;

	rsyscall_parked_regs(r, b->t, &regs);
	arch_batch_setup(&regs, b->tail, b->at, n, b->notify);
	if ((e = rmem_write(r->mem, b->at, buf, size, err)) ||
	    (e = rsyscall_set_regs(s, b->t, &regs, err)))
		return e;
	fault_point("batch set up");
	if ((e = set_mask(s, b->t, mask, err)))
		return e;
	e = b->quiet
		? wait_quiet(s, b->t, b->sig, b->tail, b->notify, mask, err)
		: wait_done(s, b->t, b->sig, b->tail, b->notify, err);
	if (e > 0)
		let_go(s, r, b->t, c, n);
	if (e)
		return e < 0 ? e : 0;
	fault_point("batch done");
	if ((e = set_mask(s, b->t, ~0ull, err)) ||
	    (e = rmem_read(r->mem, b->at, buf, table_size(n), err)))
		return e;
	for (size_t i = 0; i < n; i++)
		memcpy(&c[i].ret, buf + i * ARCH_BATCH_ENTRY + 64, 8);
	/* The table holds the addresses mapped: left in the dead part of
	 * the stack, they could later look like references to them
	 * (refscan.h) and keep a replaced region from being freed. */
	memset(buf, 0, size);
	return rmem_write(r->mem, b->at, buf, size, err);
}

/*
 * The signal mask of a quiet batch of @n calls on @t, ending with @sig if
 * a call fails (as the kernel keeps it: SIGKILL and SIGSTOP cannot be
 * blocked), or 0 if the batch must stop at its end: not asked for, no one
 * to tell of the stub left (r->left), more threads held, signals to pass
 * on in a stop, a process stopped by a stop signal (the thread must stay
 * in that stop), or a thread whose own mask is that one (its restore would
 * not show).
 */
static uint64_t quiet_mask(struct session *s, struct rsys *r,
			   const struct session_thread *t, size_t n, int sig,
			   bool release)
{
	uint64_t mask = ~(1ull << (sig - 1)) &
			~(1ull << (SIGKILL - 1) | 1ull << (SIGSTOP - 1));

	if (!release || !r->left || !n || s->n != 1 || s->stopped ||
	    t->group_stop || t->sig_stop || t->nsigs || !t->mask_dirty ||
	    t->sigmask == mask)
		return 0;
	return mask;
}

int rbatch_run(struct session *s, struct rsys *r, struct rbatch_call *c,
	       size_t n, const void *data, size_t len, bool release,
	       struct error *err)
{
	struct batch b = {.t = rsyscall_ready(s, r, err)};
	uint64_t notify[6] = {(uint64_t)s->pid, 0};
	size_t run_n = n;
	unsigned char *buf;
	int e;

	if (!b.t)
		return -EIO;
	/* laid out for all n calls: the callers' addresses hold */
	b.at = table_at(s, n, len);
	b.tail = r->cave + arch_rescue_len();
	for (size_t i = 0; i < n; i++)
		c[i].ret = RBATCH_NOT_RUN;
	notify[1] = (uint64_t)b.t->tid;
	notify[2] = (uint64_t)(b.sig = r->batch ? notify_signal(r, b.t) : 0);
	if (!b.sig || (e = filters_allow(s, r, c, &run_n, notify, err)) == 0)
		return rmem_write(r->mem, b.at + table_size(n), data, len, err)
			   ?: one_by_one(s, r, c, required(c, n), err);
	if (e < 0)
		return e;
	b.notify = b.at + run_n * ARCH_BATCH_ENTRY;
	b.quiet = quiet_mask(s, r, b.t, run_n, b.sig, release);
	buf = encode(c, run_n, notify, b.quiet, data, len, table_size(n));
	e = run(s, r, &b, c, run_n, buf, table_size(n) + len, err);
	free(buf);
	return e;
}
