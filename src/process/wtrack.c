/* wtrack.c - written pages by userfaultfd's write protection (wtrack.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "process/wtrack.h"
#include "util/xalloc.h"

/* Linux 6.7's uapi, for headers that predate it (Debian 12's). */
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
/* Made by the process: unprivileged programs may make one that handles
 * faults of user mode only (Linux 5.11), which is all a write protection
 * resolved by the kernel needs. */
#define UFFD_FLAGS (O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY)

/* What the process's sendmsg reads, at the data's place in its memory. */
struct wire {
	struct msghdr msg;
	struct iovec iov;
	union {
		struct cmsghdr h;
		unsigned char b[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct sockaddr_un addr;
	char byte;
};
_Static_assert(sizeof(struct wire) <= WTRACK_DATA, "WTRACK_DATA");

static int refuse(struct wtrack *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int refuse(struct wtrack *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->why, sizeof(w->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* Ask userfaultfd @fd for asynchronous write protection: 0 or -1. */
static int ask_wp_async(int fd)
{
	struct uffdio_api api = {.api = UFFD_API,
				 .features = UFFD_FEATURE_WP_ASYNC};

	return ioctl(fd, UFFDIO_API, &api) ? -1 : 0;
}

/* Whether this kernel makes a userfaultfd with asynchronous write
 * protection: asked once, of suture's own. */
static const char *kernel_lacks(void)
{
	static int state = -1;
	static char why[96];
	int fd;

	if (state >= 0)
		return state ? NULL : why;
	if ((fd = (int)syscall(SYS_userfaultfd, UFFD_FLAGS)) < 0)
		snprintf(why, sizeof(why), "userfaultfd: %s", strerror(errno));
	else if (ask_wp_async(fd))
		snprintf(why, sizeof(why),
			 "no asynchronous write protection "
			 "(UFFD_FEATURE_WP_ASYNC, Linux 6.7): %s",
			 strerror(errno));
	state = fd >= 0 && !why[0];
	if (fd >= 0)
		close(fd);
	return state ? NULL : why;
}

/* The socket's address: an abstract name, told from other suture runs'
 * by suture's pid and the clock. */
static socklen_t address(const struct wtrack *w, struct sockaddr_un *a)
{
	size_t len = strlen(w->name);

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, w->name, len);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
}

bool wtrack_open(struct wtrack *w, pid_t pid)
{
	const char *lacks = kernel_lacks();
	struct sockaddr_un a;
	struct timespec t;
	int one = 1;
	long anon;

	*w = (struct wtrack){.pid = pid, .sock = -1, .uffd = -1};
	if (lacks) {
		refuse(w, "%s", lacks);
		return false;
	}
	if ((anon = proc_anon_pages(pid)) < WTRACK_MIN_PAGES) {
		refuse(w,
		       "the process has %ld kB of anonymous memory, which "
		       "the stop reads in less time than a tracker costs",
		       anon * (sysconf(_SC_PAGESIZE) / 1024));
		return false;
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	snprintf(w->name, sizeof(w->name), "suture-wtrack-%d-%ld-%ld",
		 (int)getpid(), (long)t.tv_sec, t.tv_nsec);
	if ((w->sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(w->sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) ||
	    bind(w->sock, (struct sockaddr *)&a, address(w, &a))) {
		refuse(w, "suture's socket for it: %s", strerror(errno));
		wtrack_close(w);
		return false;
	}
	return true;
}

/* The message the process sends, as it lies at @at in its memory. */
static void wire_at(const struct wtrack *w, uint64_t at, struct wire *m)
{
	memset(m, 0, sizeof(*m));
	m->msg.msg_name = (void *)(uintptr_t)(at + offsetof(struct wire, addr));
	m->msg.msg_namelen = address(w, &m->addr);
	m->msg.msg_iov = (void *)(uintptr_t)(at + offsetof(struct wire, iov));
	m->msg.msg_iovlen = 1;
	m->msg.msg_control =
	    (void *)(uintptr_t)(at + offsetof(struct wire, ctl));
	m->msg.msg_controllen = sizeof(m->ctl.b);
	m->iov.iov_base = (void *)(uintptr_t)(at + offsetof(struct wire, byte));
	m->iov.iov_len = 1;
	m->ctl.h.cmsg_level = SOL_SOCKET;
	m->ctl.h.cmsg_type = SCM_RIGHTS;
	m->ctl.h.cmsg_len = CMSG_LEN(sizeof(int));
}

/*
 * userfaultfd (kept, and stored in the message), socket (stored as the
 * argument of sendmsg and of its close), sendmsg, close, close.  The
 * socket and the send may fail without ending the batch: the closes come
 * whatever they did.  A descriptor not stored reads as -1.
 */
void wtrack_plan(const struct wtrack *w, struct session *s,
		 struct rbatch_call *c, size_t n, size_t first, size_t len,
		 size_t off, unsigned char *data)
{
	uint64_t at = rbatch_data_at(s, n, len) + off;
	uint64_t fd_at = at + offsetof(struct wire, ctl) + CMSG_LEN(0);
	struct wire m;
	const unsigned opt = RBATCH_OPT;

	wire_at(w, at, &m);
	memcpy(data, &m, sizeof(m));
	c[0] = (struct rbatch_call){.nr = SYS_userfaultfd,
				    .args = {UFFD_FLAGS, 0, 0, 0, fd_at, fd_at},
				    .flags = opt | ARCH_BATCH_KEEP |
					     ARCH_BATCH_STORE};
	c[1] = (struct rbatch_call){
	    .nr = SYS_socket,
	    .args = {AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, 0,
		     rbatch_arg_at(s, n, len, first + 2, 0),
		     rbatch_arg_at(s, n, len, first + 4, 0)},
	    .flags = opt | ARCH_BATCH_STORE | ARCH_BATCH_SOFT};
	c[2] = (struct rbatch_call){.nr = SYS_sendmsg,
				    .args = {(uint64_t)-1,
					     at + offsetof(struct wire, msg),
					     MSG_DONTWAIT | MSG_NOSIGNAL},
				    .flags = opt | ARCH_BATCH_SOFT};
	c[3] = (struct rbatch_call){.nr = SYS_close,
				    .flags = opt | ARCH_BATCH_FD0};
	c[4] = (struct rbatch_call){
	    .nr = SYS_close, .args = {(uint64_t)-1}, .flags = opt};
}

/* One datagram's descriptor, if the process sent it; others' closed. */
static int receive(struct wtrack *w)
{
	char byte,
	    ctl[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = {&byte, 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl,
			     .msg_controllen = sizeof(ctl)};
	struct ucred cr = {0};
	int fd = -1;

	if (recvmsg(w->sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0)
		return -2;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&msg); h;
	     h = CMSG_NXTHDR(&msg, h)) {
		if (h->cmsg_level != SOL_SOCKET)
			continue;
		if (h->cmsg_type == SCM_CREDENTIALS)
			memcpy(&cr, CMSG_DATA(h), sizeof(cr));
		for (size_t i = 0;
		     h->cmsg_type == SCM_RIGHTS &&
		     CMSG_LEN((i + 1) * sizeof(int)) <= h->cmsg_len;
		     i++) {
			int got;

			memcpy(&got, CMSG_DATA(h) + i * sizeof(int),
			       sizeof(got));
			if (fd < 0 && !i)
				fd = got;
			else
				close(got);
		}
	}
	if (fd >= 0 && cr.pid != w->pid) {
		close(fd);
		fd = -1;
	}
	return fd;
}

void wtrack_take(struct wtrack *w, const struct rbatch_call *c)
{
	int fd;

	if (w->sock < 0)
		return;
	if (c[0].ret == RBATCH_NOT_RUN) {
		refuse(w, "the process did not make one (its seccomp filters "
			  "forbid it, or the calls went one by one)");
		return;
	}
	if (c[0].ret < 0) {
		refuse(w, "the process's userfaultfd: %s",
		       strerror((int)-c[0].ret));
		return;
	}
	while (w->uffd < 0 && (fd = receive(w)) != -2)
		w->uffd = fd;
	if (w->uffd >= 0)
		w->why[0] = '\0'; /* an earlier attempt's batch made none */
	else
		refuse(w, "the process's userfaultfd did not come%s%s",
		       c[2].ret < 0 ? ": " : "",
		       c[2].ret < 0 ? strerror((int)-c[2].ret) : "");
}

int wtrack_fetch(void *arg, struct session *s, struct rsys *rs,
		 struct error *err)
{
	struct wtrack *w = arg;
	struct rbatch_call c[WTRACK_CALLS];
	unsigned char data[WTRACK_DATA] = {0};
	int r;

	wtrack_plan(w, s, c, WTRACK_CALLS, 0, sizeof(data), 0, data);
	if (!(r = rbatch_run(s, rs, c, WTRACK_CALLS, data, sizeof(data), false,
			     err)))
		wtrack_take(w, c);
	return r;
}

/* Whether @m is armed: private memory a program can write through
 * (not the kernel's [vdso] and [vvar], which cannot be registered, nor
 * memory it cannot access at all: a stack's guard). */
static bool armable(const struct proc_map *m)
{
	return !m->shared && m->prot && strncmp(m->path, "[v", 2);
}

static int register_range(int uffd, uint64_t lo, uint64_t hi)
{
	struct uffdio_register r = {.range = {lo, hi - lo},
				    .mode = UFFDIO_REGISTER_MODE_WP};

	return ioctl(uffd, UFFDIO_REGISTER, &r) ? -errno : 0;
}

/* Register each mapping to arm, noting the runs between those not to. */
static int register_all(struct wtrack *w, const struct proc_maps *maps,
			const bool *skip)
{
	bool open = false;
	size_t cap = 0;
	int e;

	for (size_t i = 0; i < maps->n; i++) {
		const struct proc_map *m = &maps->v[i];

		if (skip[i] || !armable(m)) {
			open = false;
			continue;
		}
		if ((e = register_range(w->uffd, m->start, m->end)) == -EBUSY)
			return refuse(w,
				      "the program write-protects %#llx with "
				      "a userfaultfd of its own",
				      (unsigned long long)m->start);
		if (e)
			return refuse(w, "%#llx cannot be registered: %s",
				      (unsigned long long)m->start,
				      strerror(-e));
		if (!open) {
			XGROW(w->run, cap, w->nrun);
			w->run[w->nrun++] = (struct wtrack_run){m->start, 0};
		}
		w->run[w->nrun - 1].hi = m->end;
		open = true;
	}
	return 0;
}

/* Write-protect every page of the runs: no page reads as written. */
static int protect_all(struct wtrack *w)
{
	for (size_t i = 0; i < w->nrun; i++) {
		struct uffdio_writeprotect p = {
		    .range = {w->run[i].lo, w->run[i].hi - w->run[i].lo},
		    .mode = UFFDIO_WRITEPROTECT_MODE_WP};

		if (ioctl(w->uffd, UFFDIO_WRITEPROTECT, &p))
			return refuse(w,
				      "the pages of %#llx-%#llx cannot be "
				      "write-protected: %s",
				      (unsigned long long)w->run[i].lo,
				      (unsigned long long)w->run[i].hi,
				      strerror(errno));
	}
	return 0;
}

int wtrack_arm(struct wtrack *w, const struct proc_maps *maps, const bool *skip)
{
	if (w->uffd < 0)
		return -1;
	if (ask_wp_async(w->uffd))
		refuse(w, "the process's userfaultfd: %s", strerror(errno));
	else if (!register_all(w, maps, skip) && !protect_all(w))
		return 0;
	close(w->uffd);
	w->uffd = -1;
	return -1;
}

bool wtrack_holds(struct wtrack *w)
{
	int e = 0;

	for (size_t i = 0; !e && i < w->nrun; i++)
		e = register_range(w->uffd, w->run[i].lo, w->run[i].hi);
	if (e == -EBUSY)
		refuse(w, "the program registered memory suture tracks "
			  "with a userfaultfd of its own");
	else if (e)
		refuse(w, "memory mapped since cannot be registered: %s",
		       strerror(-e));
	return !e;
}

void wtrack_close(struct wtrack *w)
{
	if (w->uffd >= 0)
		close(w->uffd);
	if (w->sock >= 0)
		close(w->sock);
	free(w->run);
	w->run = NULL;
	w->nrun = 0;
	w->uffd = w->sock = -1;
}
