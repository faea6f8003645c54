/*
 * preload.c - libsuture-preload.so: gives a process its enabled patches
 * (src/persist/store.h) before its program runs.  `suture enable
 * --at-start` lists it in /etc/ld.so.preload, so the dynamic linker loads
 * it into every dynamically linked program; its constructor runs after
 * every module the program starts with is mapped and relocated and before
 * main() (docs/DESIGN.md, "Patches that last"), though after the
 * constructors of the shared libraries the program links.
 *
 * It runs in every process of the machine, so it must never harm one: it
 * prints nothing, changes nothing but its own fds and its ptracer setting
 * for the time it waits, never waits more than PRELOAD_TIMEOUT_MS, and
 * does nothing at all when the store's index is missing, empty, not
 * root's or names no build-id of a module of the process (one open and a
 * read, plus walking the modules' build-id notes in memory).  Only on a
 * match does it fork and exec SUTURE_BIN `apply --enabled PID` for its
 * own PID and wait for it; suture checks everything (the store, the
 * patches' signatures, the policy) and applies.  Not in a setuid or
 * otherwise AT_SECURE process (it would run suture with privileges the
 * user does not have, from the user's environment), not in a process
 * under a seccomp filter (which may kill it for the fork: systemd's
 * SystemCallFilter= does), and not in the suture it starts.
 * Dependency-free: libc only.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* persist/store.h's STORE_INDEX; not included, as nothing of suture is */
#ifndef STORE_INDEX
#define STORE_INDEX "/var/lib/suture/enabled/index"
#endif
#ifndef SUTURE_BIN
#define SUTURE_BIN "/usr/local/bin/suture"
#endif
#define PRELOAD_TIMEOUT_MS 15000
#define INDEX_MAX	   (64 * 1024)
/* Set in the suture it starts, which must not start another. */
#define CHILD_ENV "SUTURE_AT_START=1"

/* Read the index into @buf (NUL-terminated): 0 if there is nothing to do. */
static size_t read_index(char *buf, size_t cap)
{
	int fd = open(STORE_INDEX, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	ssize_t n = 0;

	if (fd < 0)
		return 0;
	/* suture refuses a store anyone but root can change; so here */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && !st.st_uid &&
	    !(st.st_mode & (S_IWGRP | S_IWOTH)) && st.st_size > 0)
		n = read(fd, buf, cap - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? (size_t)n : 0;
}

/* Whether an index line starts with build-id @id (@len bytes). */
static int indexed(const char *index, const unsigned char *id, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char want[2 * 64 + 2];

	if (len > 64)
		return 0;
	want[0] = '\n';
	for (size_t i = 0; i < len; i++) {
		want[1 + 2 * i] = hex[id[i] >> 4];
		want[2 + 2 * i] = hex[id[i] & 15];
	}
	want[1 + 2 * len] = ' ';
	want[2 + 2 * len] = '\0';
	return !strncmp(index, want + 1, 2 * len + 1) || strstr(index, want);
}

/* dl_iterate_phdr: 1 (stop) if module @info's build-id is in the index. */
static int match_module(struct dl_phdr_info *info, size_t size, void *index)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p, *end;

		if (ph->p_type != PT_NOTE)
			continue;
		p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const void *)p;
			const char *name = p + sizeof(*nh);
			const char *desc = name + ((nh->n_namesz + 3) & ~3u);

			if (desc + nh->n_descsz > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID &&
			    nh->n_namesz == 4 && !memcmp(name, "GNU", 4) &&
			    indexed(index, (const void *)desc, nh->n_descsz))
				return 1;
			p = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	return 0;
}

/* In the child: wait for @go, then become suture with @done as fd 3 and
 * /dev/null as 0, 1 and 2, whatever fds the program started with. */
static void child(int go, int done, pid_t parent)
{
	char pid[16], *argv[] = {"suture", "apply", "--enabled", pid, NULL};
	char *envp[] = {CHILD_ENV, NULL};
	int d = fcntl(done, F_DUPFD, 10), null = open("/dev/null", O_RDWR);
	sigset_t none;
	char c;

	while (read(go, &c, 1) < 0)
		;
	snprintf(pid, sizeof(pid), "%d", (int)parent);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (d < 0 || null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(null, 2) < 0 || dup2(d, 3) < 0)
		_exit(127);
	for (int fd = 0; fd < 4; fd++) /* dup2 onto itself keeps CLOEXEC */
		fcntl(fd, F_SETFD, 0);
	/* suture gets none of the program's other files */
	syscall(SYS_close_range, 4, ~0u, 0);
	execve(SUTURE_BIN, argv, envp);
	_exit(127);
}

/* Wait until @done reads end of file (suture exited) or the time is up. */
static void wait_done(int done, pid_t pid)
{
	struct pollfd p = {.fd = done, .events = POLLIN};
	int left = PRELOAD_TIMEOUT_MS;
	char buf[64];

	while (left > 0) {
		int r = poll(&p, 1, 100);

		left -= 100;
		if (r > 0 && read(done, buf, sizeof(buf)) <= 0)
			break;
	}
	if (left <= 0)
		kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void run_suture(void)
{
	int go[2], done[2];
	pid_t pid, self = getpid();

	if (pipe2(go, O_CLOEXEC) < 0)
		return;
	if (pipe2(done, O_CLOEXEC) < 0)
		goto out_go;
	if ((pid = fork()) < 0)
		goto out_done;
	if (!pid)
		child(go[0], done[1], self);
	/* Yama's ptrace_scope 1 lets only a process's ancestors trace it,
	 * unless it names its tracer. */
	prctl(PR_SET_PTRACER, pid, 0, 0, 0);
	close(done[1]);
	done[1] = -1;
	if (write(go[1], "", 1) == 1)
		wait_done(done[0], pid);
	else
		kill(pid, SIGKILL), waitpid(pid, NULL, 0);
	prctl(PR_SET_PTRACER, 0, 0, 0, 0);
out_done:
	close(done[0]);
	if (done[1] >= 0)
		close(done[1]);
out_go:
	close(go[0]);
	close(go[1]);
}

/* Whether a seccomp filter is on (/proc/self/status "Seccomp: 2"): any
 * system call the program does not make itself could be fatal under it. */
static int filtered(void)
{
	static const char key[] = "\nSeccomp:\t";
	char buf[4096], *at;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 1; /* cannot tell: assume the worst */
	buf[n] = '\0';
	at = strstr(buf, key);
	return !at || at[sizeof(key) - 1] != '0';
}

__attribute__((constructor)) static void suture_at_start(void)
{
	static char index[INDEX_MAX];

	if (getauxval(AT_SECURE) || getenv("SUTURE_AT_START"))
		return;
	if (read_index(index, sizeof(index)) &&
	    dl_iterate_phdr(match_module, index) && !filtered())
		run_suture();
}
