/*
 * odd.c - odd situations to patch a process in, started by requests:
 *
 *   answer         -> the version answer() gives in the serving thread
 *   churn N        -> N threads start short-lived threads without pause;
 *                     each calls answer() and checks its result
 *   threads N      -> N more threads (64 KiB stacks) that wait for `poke`
 *   poke           -> every `threads` thread calls answer() once; replies
 *                     v1=<how many saw version 1> v2=<saw version 2>
 *   forker         -> a thread forks without pause: a child that exits
 *                     with answer()'s version, then a child that execs
 *                     this program (ODD_EXEC=1 in its environment), which
 *                     exits with the version its fresh image gives
 *   spawn-exec F   -> fork and exec this program as a server on port file F
 *                     (single-threaded); replies its pid
 *   exit-after MS  -> ok, and the process calls exit(0) MS ms later
 *   vfork-wait MS  -> ok, and a thread vforks a child that sleeps MS ms
 *                     before it exits: the thread waits for it in an
 *                     uninterruptible wait (state D) meanwhile
 *   seccomp MODE   -> install a seccomp filter on every thread: mmap and/or
 *                     memfd_create fail with EPERM (MODE mmap, memfd, both),
 *                     or memfd_create kills the process (kill-memfd), or
 *                     mmap of a descriptor (not -1, above 2) does
 *                     (kill-mmap-fd: a filter that looks at an argument
 *                     suture's batch of calls fills in as it runs), or
 *                     userfaultfd does (kill-uffd: the write tracker's
 *                     call, which suture must then leave out)
 *   heap MIB       -> MIB MiB of heap written (enough anonymous memory
 *                     for a write tracker)
 *   stats          -> v1= v2= (answer() results in churn threads) bad=
 *                     churned= fork1= fork2= exec1= exec2= errors=
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "odd.h"
#include "server.h"

static unsigned long st_v[3], st_churned, st_fork[3], st_exec[3], st_errors;
static char self[4096];

static void count(unsigned long *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static unsigned long get(unsigned long *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* The version answer(@x) gives, or 0 if it is neither. */
static long version(long x)
{
	long v = answer(x) - x * 10;

	return v == 1 || v == 2 ? v : 0;
}

/* ---- churn ---- */

static void *short_lived(void *arg)
{
	long x = (long)arg;

	count(&st_v[version(x)]);
	return NULL;
}

static void *spawner(void *arg)
{
	pthread_attr_t a;

	(void)arg;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 65536);
	for (long x = 0;; x++) {
		pthread_t t;

		if (pthread_create(&t, &a, short_lived, (void *)x) != 0) {
			count(&st_errors);
			usleep(1000);
			continue;
		}
		pthread_join(t, NULL);
		count(&st_churned);
	}
	return NULL;
}

/* ---- many threads ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t poked = PTHREAD_COND_INITIALIZER,
		      done_cv = PTHREAD_COND_INITIALIZER;
static unsigned long generation;
static long nthreads, ndone, seen[3];

static void *waiter(void *arg)
{
	unsigned long gen = (unsigned long)arg; /* generation at creation */

	pthread_mutex_lock(&mu);
	for (;;) {
		long v;

		while (generation == gen)
			pthread_cond_wait(&poked, &mu);
		gen = generation;
		pthread_mutex_unlock(&mu);
		v = version(gen);
		pthread_mutex_lock(&mu);
		seen[v]++;
		if (++ndone == nthreads)
			pthread_cond_broadcast(&done_cv);
	}
	return NULL;
}

static int start_waiters(long n, char *reply, size_t len)
{
	pthread_attr_t a;
	long made = 0;

	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 65536);
	pthread_mutex_lock(&mu);
	for (; made < n; made++) {
		pthread_t t;

		if (pthread_create(&t, &a, waiter, (void *)generation) != 0)
			break;
		pthread_detach(t);
		nthreads++;
	}
	pthread_mutex_unlock(&mu);
	snprintf(reply, len, "%ld", made);
	return 0;
}

static int poke(char *reply, size_t len)
{
	struct timespec dl;
	int r = 0;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 20;
	pthread_mutex_lock(&mu);
	ndone = 0;
	seen[0] = seen[1] = seen[2] = 0;
	generation++;
	pthread_cond_broadcast(&poked);
	while (ndone < nthreads && r == 0)
		r = pthread_cond_timedwait(&done_cv, &mu, &dl);
	snprintf(reply, len, "v1=%ld v2=%ld bad=%ld of=%ld%s", seen[1], seen[2],
		 seen[0], nthreads, r ? " (timed out)" : "");
	pthread_mutex_unlock(&mu);
	return 0;
}

/* ---- fork and exec ---- */

static void *forker(void *arg)
{
	static char env0[] = "ODD_EXEC=1", arg1[] = "unused-portfile";
	char *envp[] = { env0, NULL }, *argv[] = { self, arg1, NULL };

	(void)arg;
	for (;;) {
		int st;
		pid_t p = fork();

		if (p == 0)
			_exit((int)version(7));
		if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) ||
		    WEXITSTATUS(st) < 1 || WEXITSTATUS(st) > 2)
			count(&st_errors);
		else
			count(&st_fork[WEXITSTATUS(st)]);
		p = fork();
		if (p == 0) {
			execve(self, argv, envp);
			_exit(99);
		}
		if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) ||
		    WEXITSTATUS(st) < 1 || WEXITSTATUS(st) > 2)
			count(&st_errors);
		else
			count(&st_exec[WEXITSTATUS(st)]);
		usleep(2000);
	}
	return NULL;
}

static int spawn_exec(const char *portfile, char *reply, size_t len)
{
	pid_t p = fork();

	if (p == 0) {
		execl(self, self, portfile, (char *)NULL);
		_exit(99);
	}
	snprintf(reply, len, "%d", (int)p);
	return 0;
}

/* ---- exit ---- */

static void *exiter(void *arg)
{
	usleep((useconds_t)(long)arg * 1000);
	exit(0);
}

/* ---- an uninterruptible wait ---- */

static void *vforker(void *arg)
{
	long ms = (long)arg;
	pid_t p = vfork();

	if (p == 0) { /* only system calls in a vfork child */
		struct timespec ts = {ms / 1000, ms % 1000 * 1000000};

		nanosleep(&ts, NULL);
		_exit(0);
	}
	if (p > 0)
		waitpid(p, NULL, 0);
	return NULL;
}

/* ---- seccomp ---- */

static int load_filter(struct sock_filter *f, unsigned short n, char *reply,
		       size_t len)
{
	struct sock_fprog prog = {n, f};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0)
		snprintf(reply, len, "error: seccomp: %s", strerror(errno));
	else
		snprintf(reply, len, "ok");
	return 0;
}

/* kill-mmap-fd: mmap with a descriptor from 3 to 0xfffffffe kills. */
static int install_fd_filter(char *reply, size_t len)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, args[4])),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 3, 0, 2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffff, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};

	return load_filter(f, sizeof(f) / sizeof(f[0]), reply, len);
}

static int install_seccomp(const char *mode, char *reply, size_t len)
{
	int kill = !strcmp(mode, "kill-memfd") || !strcmp(mode, "kill-uffd");
	int nr1 = !strcmp(mode, "mmap")	       ? SYS_mmap
		  : !strcmp(mode, "kill-uffd") ? SYS_userfaultfd
					       : SYS_memfd_create;
	int nr2 = !strcmp(mode, "both") ? SYS_mmap : nr1;
	unsigned int deny = kill ? SECCOMP_RET_KILL_PROCESS :
				   SECCOMP_RET_ERRNO | EPERM;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr1, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, deny),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};

	if (!strcmp(mode, "kill-mmap-fd"))
		return install_fd_filter(reply, len);
	if (strcmp(mode, "mmap") && strcmp(mode, "memfd") &&
	    strcmp(mode, "both") && !kill)
		return -1;
	return load_filter(f, sizeof(f) / sizeof(f[0]), reply, len);
}

/* ---- the service ---- */

int service_init(void)
{
	ssize_t n;

	if (getenv("ODD_EXEC"))
		_exit((int)version(3));
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	return 0;
}

static int start(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	if (pthread_create(&t, NULL, fn, arg) != 0)
		return -1;
	pthread_detach(t);
	return 0;
}

int service_handle(const char *req, char *reply, size_t len)
{
	long n;

	if (!strcmp(req, "answer")) {
		snprintf(reply, len, "%ld", version(5));
	} else if (sscanf(req, "churn %ld", &n) == 1) {
		for (long i = 0; i < n; i++)
			if (start(spawner, NULL) != 0)
				return -1;
		snprintf(reply, len, "ok");
	} else if (sscanf(req, "threads %ld", &n) == 1) {
		return start_waiters(n, reply, len);
	} else if (!strcmp(req, "poke")) {
		return poke(reply, len);
	} else if (!strcmp(req, "forker")) {
		if (start(forker, NULL) != 0)
			return -1;
		snprintf(reply, len, "ok");
	} else if (!strncmp(req, "spawn-exec ", 11)) {
		return spawn_exec(req + 11, reply, len);
	} else if (sscanf(req, "exit-after %ld", &n) == 1) {
		if (start(exiter, (void *)n) != 0)
			return -1;
		snprintf(reply, len, "ok");
	} else if (sscanf(req, "vfork-wait %ld", &n) == 1) {
		if (start(vforker, (void *)n) != 0)
			return -1;
		snprintf(reply, len, "ok");
	} else if (!strncmp(req, "seccomp ", 8)) {
		return install_seccomp(req + 8, reply, len);
	} else if (sscanf(req, "heap %ld", &n) == 1) {
		/* kept, or the compiler may drop both calls */
		static char *volatile heap;

		if (!(heap = malloc((size_t)n << 20)))
			return -1;
		memset(heap, 1, (size_t)n << 20);
		snprintf(reply, len, "ok");
	} else if (!strcmp(req, "stats")) {
		snprintf(reply, len,
			 "v1=%lu v2=%lu bad=%lu churned=%lu fork1=%lu fork2=%lu "
			 "exec1=%lu exec2=%lu errors=%lu",
			 get(&st_v[1]), get(&st_v[2]), get(&st_v[0]),
			 get(&st_churned), get(&st_fork[1]), get(&st_fork[2]),
			 get(&st_exec[1]), get(&st_exec[2]), get(&st_errors));
	} else {
		return -1;
	}
	return 0;
}
