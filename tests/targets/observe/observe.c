/*
 * observe.c - a target that checks, all the time, that nothing happens to
 * it.  Each "probe" is a thread (or the main thread) doing one thing that
 * a careless stop, system-call injection or register restore would
 * disturb, and counting what it sees:
 *
 *   main      the main thread (the one suture injects its system calls
 *             on): the skeleton's accept() is replaced by one that waits
 *             in turn in poll, nanosleep, futex and epoll_wait (all
 *             checked as below) before accepting; its signal mask and the
 *             signal pending on it must stay as set
 *   main-epoll  the main thread's epoll_wait rounds, counted apart
 *   pipe      read() on a pipe a feeder writes every 20 ms: returns 1
 *   sock      read() on a socketpair, likewise
 *   accept    accept4() on a unix socket the feeder connects to
 *   epoll     epoll_wait(50 ms) on an empty epoll: 0, after >= 50 ms
 *   nanosleep nanosleep(30 ms): 0, after >= 30 ms
 *   clock     clock_nanosleep(TIMER_ABSTIME): 0, not before the deadline
 *   futex     FUTEX_WAIT(40 ms) on a word nobody changes: ETIMEDOUT, late
 *   poll      poll(40 ms) on a silent pipe: 0, after >= 40 ms
 *   cond      pthread_cond_wait: every wakeup comes with a new signal
 *   sigmask   its mask (SIGUSR1, SIGUSR2, SIGWINCH, SIGRTMIN+4 blocked) and
 *             pending set (SIGUSR2 sent to itself, SIGUSR1 sent to the
 *             process once the test says so) never change, no handler runs
 *   errno     errno holds a sentinel while the thread spins
 *   vector    ymm0-15 (and zmm16-31, k1-k7 with AVX-512), 13 general
 *             registers, MXCSR, the x87 control word and the direction
 *             flag hold patterns through a 20M-iteration spin loop
 *   work      calls obs_version(), the patched function: every result is
 *             version 1 or 2; counts how often the version changed
 *
 * Every system call above is made by csys(), which loads patterns into
 * every register the kernel preserves (rbx rbp r8 r9 r12-r15 xmm0-15)
 * before the syscall instruction and checks them after it.
 *
 *   report      -> NAME:ITERATIONS:VIOLATIONS for every probe
 *   detail NAME -> the first and the last violation NAME saw
 *   switches    -> version changes the work probe saw, and v1=.. v2=..
 *   usr1 N      -> ok; SIGUSR1 must not be pending in the process (0), may
 *                  or may not be (1: the test is sending it), must be (2)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "observe.h"
#include "server.h"

enum { P_MAIN, P_MAIN_EPOLL, P_PIPE, P_SOCK, P_ACCEPT, P_EPOLL, P_NANO, P_CLOCK, P_FUTEX,
       P_POLL, P_COND, P_SIGMASK, P_ERRNO, P_VECTOR, P_WORK, P_FEEDER, NP };

static struct probe {
	const char *name;
	unsigned long iters, bad;
	char first[200], detail[200];
} probes[NP] = { /* iters, bad and detail start at zero */
	{ "main" }, { "main-epoll" }, { "pipe" }, { "sock" }, { "accept" }, { "epoll" },
	{ "nanosleep" }, { "clock" }, { "futex" }, { "poll" }, { "cond" },
	{ "sigmask" }, { "errno" }, { "vector" }, { "work" }, { "feeder" },
};

static void violation(int p, const char *fmt, ...)
{
	va_list ap;

	__atomic_fetch_add(&probes[p].bad, 1, __ATOMIC_RELAXED);
	va_start(ap, fmt);
	vsnprintf(probes[p].detail, sizeof(probes[p].detail), fmt, ap);
	va_end(ap);
	if (!probes[p].first[0])
		memcpy(probes[p].first, probes[p].detail, sizeof(probes[p].first));
}

static void tick(int p)
{
	__atomic_fetch_add(&probes[p].iters, 1, __ATOMIC_RELAXED);
}

/* ---- system calls with every preserved register checked ---- */

/*
 * Patterns, filled in by service_init(): general registers (rbx rbp rsi
 * rdi rdx r8 r9 r10 r11 r12 r13 r14 r15), xmm/ymm, zmm16-31, k1-k7.
 */
uint64_t obs_gpat[13];
uint8_t obs_ypat[16][32];
uint8_t obs_zpat[16][64];
uint16_t obs_kpat[8];
uint32_t obs_mxcsr_pat = 0x7f80, obs_mxcsr_def = 0x1f80;
uint16_t obs_fcw_pat = 0x0f7f, obs_fcw_def = 0x037f;

/* What csys() saw after the syscall: rbx rbp r8 r9 r12-r15, xmm0-15. */
struct csnap {
	uint64_t g[8];
	uint8_t x[16][16];
};

static const int csys_gidx[8] = { 0, 1, 5, 6, 9, 10, 11, 12 };
static const char *const gname[13] = { "rbx", "rbp", "rsi", "rdi", "rdx",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

#define LDX(n) "movdqu obs_ypat+" #n "*32(%%rip), %%xmm" #n "\n\t"
#define STX(n) "movdqu %%xmm" #n ", 64+" #n "*16(%%rcx)\n\t"

/* The raw system call @nr(@a1..@a4); returns the kernel's value (-errno). */
static long csys_raw(long nr, long a1, long a2, long a3, long a4,
		     struct csnap *out)
{
	long ret = nr;

	__asm__ volatile(
		"mov %[out], %%rcx\n\t"
		"mov %[a4], %%r10\n\t"
		"sub $128, %%rsp\n\t"
		"push %%rbp\n\t"
		"push %%rcx\n\t"
		"mov obs_gpat+0(%%rip), %%rbx\n\t"
		"mov obs_gpat+8(%%rip), %%rbp\n\t"
		"mov obs_gpat+40(%%rip), %%r8\n\t"
		"mov obs_gpat+48(%%rip), %%r9\n\t"
		"mov obs_gpat+72(%%rip), %%r12\n\t"
		"mov obs_gpat+80(%%rip), %%r13\n\t"
		"mov obs_gpat+88(%%rip), %%r14\n\t"
		"mov obs_gpat+96(%%rip), %%r15\n\t"
		LDX(0) LDX(1) LDX(2) LDX(3) LDX(4) LDX(5) LDX(6) LDX(7)
		LDX(8) LDX(9) LDX(10) LDX(11) LDX(12) LDX(13) LDX(14) LDX(15)
		"syscall\n\t"
		"pop %%rcx\n\t"
		"mov %%rbx, 0(%%rcx)\n\t"
		"mov %%rbp, 8(%%rcx)\n\t"
		"mov %%r8, 16(%%rcx)\n\t"
		"mov %%r9, 24(%%rcx)\n\t"
		"mov %%r12, 32(%%rcx)\n\t"
		"mov %%r13, 40(%%rcx)\n\t"
		"mov %%r14, 48(%%rcx)\n\t"
		"mov %%r15, 56(%%rcx)\n\t"
		STX(0) STX(1) STX(2) STX(3) STX(4) STX(5) STX(6) STX(7)
		STX(8) STX(9) STX(10) STX(11) STX(12) STX(13) STX(14) STX(15)
		"pop %%rbp\n\t"
		"add $128, %%rsp\n\t"
		: "+a"(ret)
		: "D"(a1), "S"(a2), "d"(a3), [a4] "m"(a4), [out] "m"(out)
		: "rbx", "rcx", "r8", "r9", "r10", "r11", "r12", "r13", "r14",
		  "r15", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
		  "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
		  "xmm14", "xmm15", "memory", "cc");
	return ret;
}

/* csys_raw, counting a violation for @p if a register changed. */
static long csys(int p, const char *what, long nr, long a1, long a2, long a3,
		 long a4)
{
	struct csnap s;
	long r = csys_raw(nr, a1, a2, a3, a4, &s);

	for (int i = 0; i < 8; i++)
		if (s.g[i] != obs_gpat[csys_gidx[i]])
			violation(p, "%s: %s changed to %#lx", what,
				  gname[csys_gidx[i]], (unsigned long)s.g[i]);
	for (int i = 0; i < 16; i++)
		if (memcmp(s.x[i], obs_ypat[i], 16))
			violation(p, "%s: xmm%d changed", what, i);
	return r;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* A checked relative sleep of @ms milliseconds for probe @p. */
static void csleep(int p, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L }, rem;
	double t0 = now_ms(), dt;
	long r = csys(p, "nanosleep", SYS_nanosleep, (long)&ts, (long)&rem, 0, 0);

	dt = now_ms() - t0;
	if (r != 0)
		violation(p, "nanosleep(%ld ms) returned %ld", ms, r);
	else if (dt < ms)
		violation(p, "nanosleep(%ld ms) slept only %.3f ms", ms, dt);
}

/* ---- signals ---- */

static volatile int usr1_expected;
static int main_tid;

static void on_unexpected(int sig)
{
	violation(P_SIGMASK, "handler for signal %d ran", sig);
}

/* Check the calling thread's mask is @want and its pending set is @pend
 * (plus SIGUSR1 once the test has sent it). */
static void check_signals(int p, const sigset_t *want, const sigset_t *pend)
{
	sigset_t cur, pending;

	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	sigpending(&pending);
	for (int s = 1; s <= SIGRTMAX; s++) {
		int expect_pending;

		if (s == 32 || s == 33) /* glibc's own */
			continue;
		if (sigismember(&cur, s) != sigismember(want, s))
			violation(p, "signal %d is %s blocked", s,
				  sigismember(&cur, s) ? "now" : "no longer");
		expect_pending = sigismember(pend, s) ||
				 (s == SIGUSR1 && usr1_expected == 2);
		if (s == SIGUSR1 && usr1_expected == 1)
			continue; /* being sent */
		if (sigismember(&pending, s) != expect_pending)
			violation(p, "signal %d is %s pending", s,
				  sigismember(&pending, s) ? "now" : "no longer");
	}
}

static sigset_t thread_want, thread_pend, main_want, main_pend;

static void *sigmask_probe(void *arg)
{
	(void)arg;
	pthread_sigmask(SIG_SETMASK, &thread_want, NULL);
	syscall(SYS_tgkill, getpid(), (int)syscall(SYS_gettid), SIGUSR2);
	for (;;) {
		check_signals(P_SIGMASK, &thread_want, &thread_pend);
		tick(P_SIGMASK);
		csleep(P_SIGMASK, 2);
	}
	return NULL;
}

/* ---- blocking calls ---- */

static int pipefd[2], sockfd[2], silent[2], epfd, lsock;
static struct sockaddr_un uaddr;
static socklen_t ualen;
static pthread_mutex_t cmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ccv = PTHREAD_COND_INITIALIZER;
static unsigned long cseq;

static void *reader_probe(void *arg)
{
	int p = (int)(long)arg, fd = p == P_PIPE ? pipefd[0] : sockfd[1];
	char c;

	for (;;) {
		long r = csys(p, "read", SYS_read, fd, (long)&c, 1, 0);

		if (r != 1)
			violation(p, "read returned %ld", r);
		tick(p);
	}
	return NULL;
}

static void *accept_probe(void *arg)
{
	(void)arg;
	for (;;) {
		long r = csys(P_ACCEPT, "accept4", SYS_accept4, lsock, 0, 0, 0);

		if (r < 0)
			violation(P_ACCEPT, "accept4 returned %ld", r);
		else
			close((int)r);
		tick(P_ACCEPT);
	}
	return NULL;
}

static void check_timed(int p, const char *what, long r, long want, double t0,
			long ms)
{
	double dt = now_ms() - t0;

	if (r != want)
		violation(p, "%s(%ld ms) returned %ld", what, ms, r);
	else if (dt < ms)
		violation(p, "%s(%ld ms) returned after %.3f ms", what, ms, dt);
}

static void *timed_probe(void *arg)
{
	int p = (int)(long)arg, word = 0;

	for (;;) {
		double t0 = now_ms();
		long r;

		switch (p) {
		case P_EPOLL: {
			struct epoll_event ev;

			r = csys(p, "epoll_wait", SYS_epoll_wait, epfd,
				 (long)&ev, 1, 50);
			check_timed(p, "epoll_wait", r, 0, t0, 50);
			break;
		}
		case P_NANO:
			csleep(p, 30);
			break;
		case P_CLOCK: {
			struct timespec dl;

			clock_gettime(CLOCK_MONOTONIC, &dl);
			dl.tv_nsec += 30000000L;
			if (dl.tv_nsec >= 1000000000L)
				dl.tv_sec++, dl.tv_nsec -= 1000000000L;
			r = csys(p, "clock_nanosleep", SYS_clock_nanosleep,
				 CLOCK_MONOTONIC, TIMER_ABSTIME, (long)&dl, 0);
			struct timespec t;

			clock_gettime(CLOCK_MONOTONIC, &t);
			if (r != 0)
				violation(p, "clock_nanosleep returned %ld", r);
			else if (t.tv_sec < dl.tv_sec ||
				 (t.tv_sec == dl.tv_sec && t.tv_nsec < dl.tv_nsec))
				violation(p, "clock_nanosleep woke early");
			break;
		}
		case P_FUTEX: {
			struct timespec to = { 0, 40000000L };

			r = csys(p, "futex_wait", SYS_futex, (long)&word,
				 FUTEX_WAIT_PRIVATE, 0, (long)&to);
			check_timed(p, "futex_wait", r, -ETIMEDOUT, t0, 40);
			break;
		}
		case P_POLL: {
			struct pollfd pf = { .fd = silent[0], .events = POLLIN };

			r = csys(p, "poll", SYS_poll, (long)&pf, 1, 40, 0);
			check_timed(p, "poll", r, 0, t0, 40);
			break;
		}
		}
		tick(p);
	}
	return NULL;
}

static void *cond_probe(void *arg)
{
	unsigned long seen;

	(void)arg;
	pthread_mutex_lock(&cmu);
	seen = cseq;
	for (;;) {
		int r = pthread_cond_wait(&ccv, &cmu);

		if (r != 0)
			violation(P_COND, "pthread_cond_wait returned %d", r);
		else if (cseq == seen)
			violation(P_COND, "woke up without a signal");
		seen = cseq;
		tick(P_COND);
	}
	return NULL;
}

static void *feeder(void *arg)
{
	(void)arg;
	for (;;) {
		int c;

		if (write(pipefd[1], "x", 1) != 1 || write(sockfd[0], "x", 1) != 1)
			violation(P_FEEDER, "write: %s", strerror(errno));
		c = socket(AF_UNIX, SOCK_STREAM, 0);
		if (c < 0 || connect(c, (struct sockaddr *)&uaddr, ualen) != 0)
			violation(P_FEEDER, "connect: %s", strerror(errno));
		if (c >= 0)
			close(c);
		pthread_mutex_lock(&cmu);
		cseq++;
		pthread_cond_signal(&ccv);
		pthread_mutex_unlock(&cmu);
		tick(P_FEEDER);
		usleep(20000);
	}
	return NULL;
}

/* ---- errno, registers ---- */

static void *errno_probe(void *arg)
{
	volatile int *e = &errno;

	(void)arg;
	*e = 0x5eed;
	for (;;) {
		for (long i = 0; i < 1000000; i++)
			if (*e != 0x5eed) {
				violation(P_ERRNO, "errno is %d", *e);
				*e = 0x5eed;
			}
		tick(P_ERRNO);
		csys(P_ERRNO, "nanosleep", SYS_nanosleep,
		     (long)&(struct timespec){ 0, 1000000L }, 0, 0, 0);
		if (*e != 0x5eed)
			violation(P_ERRNO, "errno is %d after a sleep", *e);
	}
	return NULL;
}

struct vsnap {
	uint64_t g[13];
	uint64_t flags;
	uint32_t mxcsr;
	uint16_t fcw, pad;
	uint64_t pad2;
	uint8_t y[16][32];
	uint8_t z[16][64];
	uint16_t k[8];
};

/* The offsets the assembly below uses. */
_Static_assert(offsetof(struct vsnap, flags) == 104, "flags");
_Static_assert(offsetof(struct vsnap, mxcsr) == 112, "mxcsr");
_Static_assert(offsetof(struct vsnap, fcw) == 116, "fcw");
_Static_assert(offsetof(struct vsnap, y) == 128, "y");
_Static_assert(offsetof(struct vsnap, z) == 640, "z");
_Static_assert(offsetof(struct vsnap, k) == 1664, "k");
_Static_assert(offsetof(struct csnap, x) == 64, "x");

#define LDY(n) "vmovdqu obs_ypat+" #n "*32(%%rip), %%ymm" #n "\n\t"
#define STY(n) "vmovdqu %%ymm" #n ", 128+" #n "*32(%%rcx)\n\t"
#define LDZ(n) "vmovdqu64 obs_zpat+(" #n "-16)*64(%%rip), %%zmm" #n "\n\t"
#define STZ(n) "vmovdqu64 %%zmm" #n ", 640+(" #n "-16)*64(%%rcx)\n\t"
#define LDK(n) "kmovw obs_kpat+" #n "*2(%%rip), %%k" #n "\n\t"
#define STK(n) "kmovw %%k" #n ", 1664+" #n "*2(%%rcx)\n\t"

/* Spin with patterns in every register; AVX-512 ones if @z. */
static void vspin(struct vsnap *out, int z)
{
	if (z)
		__asm__ volatile(
			LDZ(16) LDZ(17) LDZ(18) LDZ(19) LDZ(20) LDZ(21)
			LDZ(22) LDZ(23) LDZ(24) LDZ(25) LDZ(26) LDZ(27)
			LDZ(28) LDZ(29) LDZ(30) LDZ(31)
			LDK(1) LDK(2) LDK(3) LDK(4) LDK(5) LDK(6) LDK(7)
			::: "memory");
	__asm__ volatile(
		"mov %[out], %%rcx\n\t"
		"sub $128, %%rsp\n\t"
		"push %%rbp\n\t"
		"push %%rcx\n\t"
		"mov obs_gpat+0(%%rip), %%rbx\n\t"
		"mov obs_gpat+8(%%rip), %%rbp\n\t"
		"mov obs_gpat+16(%%rip), %%rsi\n\t"
		"mov obs_gpat+24(%%rip), %%rdi\n\t"
		"mov obs_gpat+32(%%rip), %%rdx\n\t"
		"mov obs_gpat+40(%%rip), %%r8\n\t"
		"mov obs_gpat+48(%%rip), %%r9\n\t"
		"mov obs_gpat+56(%%rip), %%r10\n\t"
		"mov obs_gpat+64(%%rip), %%r11\n\t"
		"mov obs_gpat+72(%%rip), %%r12\n\t"
		"mov obs_gpat+80(%%rip), %%r13\n\t"
		"mov obs_gpat+88(%%rip), %%r14\n\t"
		"mov obs_gpat+96(%%rip), %%r15\n\t"
		LDY(0) LDY(1) LDY(2) LDY(3) LDY(4) LDY(5) LDY(6) LDY(7)
		LDY(8) LDY(9) LDY(10) LDY(11) LDY(12) LDY(13) LDY(14) LDY(15)
		"ldmxcsr obs_mxcsr_pat(%%rip)\n\t"
		"fldcw obs_fcw_pat(%%rip)\n\t"
		"std\n\t"
		"mov $20000000, %%eax\n"
		"1:\n\t"
		"dec %%eax\n\t"
		"jnz 1b\n\t"
		"pushf\n\t"
		"pop %%rax\n\t"
		"cld\n\t"
		"pop %%rcx\n\t"
		"mov %%rbx, 0(%%rcx)\n\t"
		"mov %%rbp, 8(%%rcx)\n\t"
		"mov %%rsi, 16(%%rcx)\n\t"
		"mov %%rdi, 24(%%rcx)\n\t"
		"mov %%rdx, 32(%%rcx)\n\t"
		"mov %%r8, 40(%%rcx)\n\t"
		"mov %%r9, 48(%%rcx)\n\t"
		"mov %%r10, 56(%%rcx)\n\t"
		"mov %%r11, 64(%%rcx)\n\t"
		"mov %%r12, 72(%%rcx)\n\t"
		"mov %%r13, 80(%%rcx)\n\t"
		"mov %%r14, 88(%%rcx)\n\t"
		"mov %%r15, 96(%%rcx)\n\t"
		"mov %%rax, 104(%%rcx)\n\t"
		"stmxcsr 112(%%rcx)\n\t"
		"fnstcw 116(%%rcx)\n\t"
		STY(0) STY(1) STY(2) STY(3) STY(4) STY(5) STY(6) STY(7)
		STY(8) STY(9) STY(10) STY(11) STY(12) STY(13) STY(14) STY(15)
		"ldmxcsr obs_mxcsr_def(%%rip)\n\t"
		"fldcw obs_fcw_def(%%rip)\n\t"
		"vzeroupper\n\t"
		"pop %%rbp\n\t"
		"add $128, %%rsp\n\t"
		:
		: [out] "m"(out)
		: "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
		  "r11", "r12", "r13", "r14", "r15", "xmm0", "xmm1", "xmm2",
		  "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
		  "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
		  "memory", "cc");
	if (z)
		__asm__ volatile(
			"mov %[out], %%rcx\n\t"
			STZ(16) STZ(17) STZ(18) STZ(19) STZ(20) STZ(21)
			STZ(22) STZ(23) STZ(24) STZ(25) STZ(26) STZ(27)
			STZ(28) STZ(29) STZ(30) STZ(31)
			STK(1) STK(2) STK(3) STK(4) STK(5) STK(6) STK(7)
			"kxorw %%k1, %%k1, %%k1\n\t"
			"vzeroupper\n\t"
			:
			: [out] "m"(out)
			: "rcx", "memory");
}

static void *vector_probe(void *arg)
{
	int z = __builtin_cpu_supports("avx512f");
	struct vsnap s;

	(void)arg;
	if (!__builtin_cpu_supports("avx")) {
		violation(P_VECTOR, "no AVX on this CPU: nothing checked");
		return NULL;
	}
	for (;;) {
		memset(&s, 0, sizeof(s));
		vspin(&s, z);
		for (int i = 0; i < 13; i++)
			if (s.g[i] != obs_gpat[i])
				violation(P_VECTOR, "%s changed to %#lx", gname[i],
					  (unsigned long)s.g[i]);
		for (int i = 0; i < 16; i++)
			if (memcmp(s.y[i], obs_ypat[i], 32))
				violation(P_VECTOR, "ymm%d changed", i);
		if (!(s.flags & 0x400))
			violation(P_VECTOR, "the direction flag was cleared");
		if (s.mxcsr != obs_mxcsr_pat)
			violation(P_VECTOR, "MXCSR changed to %#x", s.mxcsr);
		if (s.fcw != obs_fcw_pat)
			violation(P_VECTOR, "x87 control word changed to %#x",
				  s.fcw);
		for (int i = 0; z && i < 16; i++)
			if (memcmp(s.z[i], obs_zpat[i], 64))
				violation(P_VECTOR, "zmm%d changed", i + 16);
		for (int i = 1; z && i < 8; i++)
			if (s.k[i] != obs_kpat[i])
				violation(P_VECTOR, "k%d changed to %#x", i, s.k[i]);
		tick(P_VECTOR);
	}
	return NULL;
}

/* ---- the patched function ---- */

static unsigned long switches, vcount[3];

static void *work_probe(void *arg)
{
	long last = 0;

	(void)arg;
	for (long i = 0;; i++) {
		long v = obs_version(i) - i * 1000;

		if (v != 1 && v != 2) {
			violation(P_WORK, "obs_version(%ld) gave version %ld", i, v);
			v = 0;
		}
		if (last && v && v != last)
			__atomic_fetch_add(&switches, 1, __ATOMIC_RELAXED);
		if (v)
			last = v;
		__atomic_fetch_add(&vcount[v], 1, __ATOMIC_RELAXED);
		tick(P_WORK);
		csys(P_WORK, "nanosleep", SYS_nanosleep,
		     (long)&(struct timespec){ 0, 100000L }, 0, 0, 0);
	}
	return NULL;
}

/* ---- the main thread ---- */

static int main_epfd;
static int main_word;

/*
 * The skeleton's accept(), replaced: the main thread waits for a
 * connection in turn in poll, nanosleep, futex and epoll_wait (all with
 * their results and timing checked) and checks its signals each time.
 */
static void main_epoll_add(int fd);

int accept(int fd, struct sockaddr *sa, socklen_t *sl)
{
	static unsigned long round;

	main_epoll_add(fd);
	for (;;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		double t0 = now_ms();
		long r;

		check_signals(P_MAIN, &main_want, &main_pend);
		tick(P_MAIN);
		switch (round++ % 4) {
		case 0:
			r = csys(P_MAIN, "poll", SYS_poll, (long)&pf, 1, 10, 0);
			if (r < 0 || (r == 0 && now_ms() - t0 < 10))
				violation(P_MAIN, "poll(10 ms) returned %ld after %.3f ms",
					  r, now_ms() - t0);
			break;
		case 1:
			csleep(P_MAIN, 3);
			break;
		case 2: {
			struct timespec to = { 0, 5000000L };

			r = csys(P_MAIN, "futex_wait", SYS_futex, (long)&main_word,
				 FUTEX_WAIT_PRIVATE, 0, (long)&to);
			check_timed(P_MAIN, "futex_wait", r, -ETIMEDOUT, t0, 5);
			break;
		}
		case 3: {
			struct epoll_event ev;

			r = csys(P_MAIN_EPOLL, "epoll_wait", SYS_epoll_wait,
				 main_epfd, (long)&ev, 1, 10);
			tick(P_MAIN_EPOLL);
			if (r < 0 || (r == 0 && now_ms() - t0 < 10))
				violation(P_MAIN_EPOLL, "epoll_wait(10 ms) returned %ld after %.3f ms",
					  r, now_ms() - t0);
			break;
		}
		}
		r = csys(P_MAIN, "poll", SYS_poll, (long)&pf, 1, 0, 0);
		if (r == 1) {
			r = csys(P_MAIN, "accept4", SYS_accept4, fd, (long)sa,
				 (long)sl, 0);
			if (r >= 0)
				return (int)r;
			violation(P_MAIN, "accept4 returned %ld", r);
		}
	}
}

int service_init(void)
{
	static const int rounds[] = { P_PIPE, P_SOCK };
	static const int timed[] = { P_EPOLL, P_NANO, P_CLOCK, P_FUTEX, P_POLL };
	struct sigaction sa = { .sa_handler = on_unexpected };
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t common;
	pthread_t t;
	int efd;

	for (int i = 0; i < 13; i++)
		obs_gpat[i] = 0x1111111111111111ULL * (uint64_t)(i % 15 + 1) ^
			      ((uint64_t)i << 56);
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 32; j++)
			obs_ypat[i][j] = (uint8_t)(i * 37 + j * 11 + 1);
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 64; j++)
			obs_zpat[i][j] = (uint8_t)(i * 53 + j * 7 + 3);
	for (int i = 0; i < 8; i++)
		obs_kpat[i] = (uint16_t)(0x1357 * (i + 1));

	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGRTMIN + 4, &sa, NULL);
	/* SIGUSR1 is blocked everywhere (the test sends it to the process). */
	sigemptyset(&common);
	sigaddset(&common, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &common, NULL);
	thread_want = common;
	sigaddset(&thread_want, SIGUSR2);
	sigaddset(&thread_want, SIGWINCH);
	sigaddset(&thread_want, SIGRTMIN + 4);
	sigemptyset(&thread_pend);
	sigaddset(&thread_pend, SIGUSR2);
	main_want = common;
	sigaddset(&main_want, SIGUSR2);
	sigaddset(&main_want, SIGRTMIN + 4);
	main_pend = thread_pend;

	if (pipe(pipefd) || pipe(silent) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sockfd))
		return -1;
	epfd = epoll_create1(0);
	efd = eventfd(0, 0);
	if (epfd < 0 || efd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &ev))
		return -1;
	lsock = socket(AF_UNIX, SOCK_STREAM, 0);
	uaddr.sun_family = AF_UNIX;
	snprintf(uaddr.sun_path + 1, sizeof(uaddr.sun_path) - 1,
		 "suture-observe-%d", (int)getpid());
	ualen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			    strlen(uaddr.sun_path + 1));
	if (lsock < 0 || bind(lsock, (struct sockaddr *)&uaddr, ualen) ||
	    listen(lsock, 64))
		return -1;

	for (size_t i = 0; i < 2; i++)
		pthread_create(&t, NULL, reader_probe, (void *)(long)rounds[i]);
	for (size_t i = 0; i < 5; i++)
		pthread_create(&t, NULL, timed_probe, (void *)(long)timed[i]);
	pthread_create(&t, NULL, accept_probe, NULL);
	pthread_create(&t, NULL, cond_probe, NULL);
	pthread_create(&t, NULL, sigmask_probe, NULL);
	pthread_create(&t, NULL, errno_probe, NULL);
	pthread_create(&t, NULL, vector_probe, NULL);
	pthread_create(&t, NULL, work_probe, NULL);
	pthread_create(&t, NULL, feeder, NULL);

	/* The main thread: also SIGUSR2 and SIGRTMIN+4, SIGUSR2 pending. */
	pthread_sigmask(SIG_SETMASK, &main_want, NULL);
	main_tid = (int)syscall(SYS_gettid);
	syscall(SYS_tgkill, getpid(), main_tid, SIGUSR2);
	main_epfd = epoll_create1(0);
	return main_epfd < 0 ? -1 : 0;
}

/* The listening socket is only known at accept() time: add it lazily. */
static void main_epoll_add(int fd)
{
	static int added;
	struct epoll_event ev = { .events = EPOLLIN };

	if (!added && epoll_ctl(main_epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
		added = 1;
}

int service_handle(const char *req, char *reply, size_t len)
{
	size_t n = 0;

	if (!strcmp(req, "report")) {
		reply[0] = '\0';
		for (int i = 0; i < NP; i++)
			n += (size_t)snprintf(reply + n, n < len ? len - n : 0,
					      "%s%s:%lu:%lu", i ? " " : "",
					      probes[i].name,
					      __atomic_load_n(&probes[i].iters,
							      __ATOMIC_RELAXED),
					      __atomic_load_n(&probes[i].bad,
							      __ATOMIC_RELAXED));
		return 0;
	}
	if (!strncmp(req, "detail ", 7)) {
		for (int i = 0; i < NP; i++)
			if (!strcmp(req + 7, probes[i].name)) {
				snprintf(reply, len, "first: %s; last: %s",
					 probes[i].first, probes[i].detail);
				return 0;
			}
		return -1;
	}
	if (!strcmp(req, "switches")) {
		snprintf(reply, len, "%lu v1=%lu v2=%lu",
			 __atomic_load_n(&switches, __ATOMIC_RELAXED),
			 __atomic_load_n(&vcount[1], __ATOMIC_RELAXED),
			 __atomic_load_n(&vcount[2], __ATOMIC_RELAXED));
		return 0;
	}
	if (!strncmp(req, "usr1 ", 5)) {
		usr1_expected = req[5] - '0';
		snprintf(reply, len, "ok");
		return 0;
	}
	return -1;
}
