/* dirty.c - the loop of the t-prescan target (dirty.h). */
#include <linux/io_uring.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "dirty.h"

uint64_t dirty_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Minor faults so far, after a write to @probe: one more than last time
 * when the marks were cleared since. */
static long touch(volatile char *probe)
{
	struct rusage ru;

	probe[0]++;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* The shared slot and the pipes to the child that writes it. */
static volatile uintptr_t *shared_slot;
static int to_child[2], from_child[2];

/* The child: on 'z' zero the shared slot, on 's' set it; answer each. */
static void child(void)
{
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (read(to_child[0], &c, 1) == 1) {
		*shared_slot = c == 's' ? (uintptr_t)dirty_work + 3 : 0;
		if (write(from_child[1], &c, 1) != 1)
			break;
	}
	_exit(0);
}

/* Have the child do @c, and wait until it has. */
static void ask_child(char c)
{
	if (write(to_child[1], &c, 1) != 1 || read(from_child[0], &c, 1) != 1)
		_exit(3);
}

static int start_child(void)
{
	shared_slot = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared_slot == MAP_FAILED || pipe(to_child) || pipe(from_child))
		return -1;
	switch (fork()) {
	case -1:
		return -1;
	case 0:
		child();
	}
	return 0;
}

/* Bit @bit of @page's pagemap entry. */
static int pagemap_bit(volatile char *page, int bit)
{
	uint64_t e = 0;
	FILE *f = fopen("/proc/self/pagemap", "r");

	if (f && fseek(f, (long)((uintptr_t)page / 4096 * 8), SEEK_SET) == 0 &&
	    fread(&e, sizeof(e), 1, f) != 1)
		e = 0;
	if (f)
		fclose(f);
	return (int)(e >> bit & 1);
}

/* Whether the kernel marks written pages: @probe, a new mapping written
 * just now, reads as written in pagemap (bit 55, soft-dirty). */
static int soft_dirty(volatile char *probe)
{
	return pagemap_bit(probe, 55);
}

/*
 * MODE own: the slot is alone in a page between two PROT_NONE pages (no
 * neighbour merges with it).  At 'z' (dirty_work's entry) the page is
 * unmapped and mapped again alike, and registered with a userfaultfd of
 * the program's own for asynchronous write protection; at 's' (its
 * return) the slot is set and the page write-protected again: it reads as
 * unwritten, though it holds the word.  own_start: -1 if it cannot be
 * made.
 */
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif
static char *own_page, *own_sentinel;
static int own_fd = -1;

/* Whether to act now: once, when suture's write tracker first protects
 * the sentinel (pagemap bit 57), a page written once and never again. */
static int own_armed(void)
{
	static int done;

	if (done || !pagemap_bit(own_sentinel, 57))
		return 0;
	return done = 1;
}

static int own_start(void)
{
	struct uffdio_api api = {.api = UFFD_API,
				 .features = UFFD_FEATURE_WP_ASYNC};
	char *p = mmap(NULL, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED || mprotect(p + 4096, 4096, PROT_READ | PROT_WRITE))
		return -1;
	own_page = p + 4096;
	memset(own_page, 1, 4096);
	own_sentinel = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (own_sentinel == MAP_FAILED)
		return -1;
	*own_sentinel = 1;
	own_fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	return own_fd >= 0 && !ioctl(own_fd, UFFDIO_API, &api) ? 0 : -1;
}

static void own_slot(char c)
{
	struct uffdio_register r = {.range = {(uintptr_t)own_page, 4096},
				    .mode = UFFDIO_REGISTER_MODE_WP};
	struct uffdio_writeprotect w = {.range = r.range,
					.mode = UFFDIO_WRITEPROTECT_MODE_WP};

	if (c == 'z') {
		munmap(own_page, 4096);
		if (mmap(own_page, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
			 0) != own_page ||
		    ioctl(own_fd, UFFDIO_REGISTER, &r))
			_exit(4);
		return;
	}
	*(volatile uintptr_t *)own_page = (uintptr_t)dirty_work + 3;
	if (ioctl(own_fd, UFFDIO_WRITEPROTECT, &w))
		_exit(5);
}

/* 64 kB registered as io_uring fixed buffers: the kernel may write them
 * without a fault, and counts them in VmPin. */
static int pin(void)
{
	static char buf[65536] __attribute__((aligned(4096)));
	struct io_uring_params p;
	struct iovec iov = {buf, sizeof(buf)};
	long fd;

	memset(&p, 0, sizeof(p));
	if ((fd = syscall(__NR_io_uring_setup, 4, &p)) < 0)
		return -1;
	return (int)syscall(__NR_io_uring_register, (int)fd,
			    IORING_REGISTER_BUFFERS, &iov, 1);
}

/* The start (@end false) or end of the first mapping whose line in
 * /proc/self/maps holds @name, 0 if there is none. */
static uintptr_t mapping(const char *name, bool end)
{
	char line[512];
	uintptr_t lo = 0, hi = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, name) &&
		    sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			break;
	if (f)
		fclose(f);
	return end ? hi : lo;
}

/* Four written pages, the second made PROT_NONE; the word at the start of
 * the third.  0 if they cannot be made. */
static uintptr_t guarded(void)
{
	char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 0;
	memset(p, 1, 4 * 4096);
	if (mprotect(p + 4096, 4096, PROT_NONE))
		return 0;
	return (uintptr_t)p + 2 * 4096;
}

#define GUARD_INSTALL 102 /* MADV_GUARD_INSTALL, Linux 6.13 */
#define HWPOISON      100 /* MADV_HWPOISON */

/*
 * MODE guard: three written pages, the middle one made a guard region;
 * MODE poison: a written page taken away as if its memory had failed
 * (root, CONFIG_MEMORY_FAILURE).  1 if made, 0 if the kernel has not got
 * it (dirty.h).
 */
static int unreadable(const char *mode)
{
	int guard = !strcmp(mode, "guard");
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 0;
	memset(p, 1, 3 * 4096);
	return !madvise(p + 4096, 4096, guard ? GUARD_INSTALL : HWPOISON);
}

/* The patch's memory is kept as this XOR its address: no word of the
 * program's but the slot (and dirty_work's argument) points into it. */
#define REGION_KEY 0x5a5a5a5a5a5a5a5aul

/*
 * MODE revlate, on each clearing of the marks (or other minor fault, as
 * the first stdio write's): until there is a patch's memory, note where it
 * is (an apply maps it before its clearing); at the next clearing (a
 * revert's) 50 ms in dirty_work, the patch's code now (the revert's stop
 * waits for it to return), which then sets the slot (heap) to a word
 * pointing into the patch's memory, where the revert's scan before the
 * stop read 0.  Nothing is mapped or allocated from there on: the heap
 * stays as the first scan saw it, so the stop reads again only its pages
 * written.  @clear (MODE revcriu): then clear the marks, as another tool
 * would.
 */
static void revlate(volatile uintptr_t *slot, unsigned long *x, int clear,
		    FILE *log)
{
	static uintptr_t key;
	static bool done;
	struct late l = {slot, dirty_now_ns() + 50000000u, clear, NULL, 0};
	uintptr_t region;

	if (!key) {
		key = (region = mapping("/memfd:suture:", false))
			  ? region ^ REGION_KEY
			  : 0;
		return;
	}
	if (done)
		return;
	done = true;
	l.word = (key ^ REGION_KEY) + 64;
	*x = dirty_work(*x, &l);
	fprintf(log, "region word at %#lx\n", (unsigned long)slot);
}

/* A written page at LOW_PAGE, below every other mapping; its first word's
 * address, or 0 if it cannot be mapped there. */
#define LOW_PAGE 0x10000ul
static uintptr_t low(void)
{
	char *p = mmap((void *)LOW_PAGE, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
		       0);

	return p == (char *)LOW_PAGE ? LOW_PAGE : 0;
}

/* Where MODE top, low or guarded puts its word (dirty.h); 0 if none. */
static uintptr_t plant(const char *mode)
{
	uintptr_t at = 0;

	if (!strcmp(mode, "low"))
		at = low();
	else if (!strcmp(mode, "top"))
		at =
		    mapping("[stack]", true) ? mapping("[stack]", true) - 8 : 0;
	else if (!strcmp(mode, "guarded"))
		at = guarded();
	if (at)
		*(volatile uintptr_t *)at = (uintptr_t)dirty_work + 3;
	return at;
}

int main(int argc, char **argv)
{
	volatile uintptr_t *slot = calloc(512, sizeof(*slot));
	volatile char *probe = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long x = 1, n = 0;
	const char *mb = getenv("DIRTY_HEAP_MB");
	uintptr_t word;
	long last;
	FILE *log;

	if (argc != 3 || !slot || probe == MAP_FAILED ||
	    !(log = fopen(argv[2], "w")) ||
	    (!strcmp(argv[1], "pin") && pin() < 0) ||
	    (!strcmp(argv[1], "shared") && start_child() < 0) ||
	    (!strcmp(argv[1], "own") && own_start() < 0))
		return 2;
	setvbuf(log, NULL, _IOLBF, 0);
	if (mb)
		memset(malloc((size_t)atoi(mb) << 20), 1,
		       (size_t)atoi(mb) << 20);
	last = touch(probe);
	fprintf(log, "softdirty %d\n", soft_dirty(probe));
	if ((word = plant(argv[1])))
		fprintf(log, "word %#lx\n", (unsigned long)word);
	if (!strcmp(argv[1], "guard") || !strcmp(argv[1], "poison"))
		fprintf(log, "%s %d\n", argv[1], unreadable(argv[1]));
	last = touch(probe);
	fprintf(log, "ready\n");
	for (;;) {
		long now = touch(probe);
		struct late l = {slot, dirty_now_ns() + 50000000u,
				 !strcmp(argv[1], "criu"),
				 shared_slot ? ask_child
				 : own_page  ? own_slot
					     : NULL};

		if (now != last && !strncmp(argv[1], "rev", 3)) {
			revlate(slot, &x, !strcmp(argv[1], "revcriu"), log);
			last = touch(probe);
			continue;
		}
		if (own_page) { /* once, when suture's tracker shows */
			int act = own_armed();

			x = dirty_work(x, act ? &l : NULL);
			if (act)
				fprintf(log, "late %lu\n", ++n);
			continue;
		}
		if (now == last || !strcmp(argv[1], "plain") ||
		    !strcmp(argv[1], "pin") || !strcmp(argv[1], "guard") ||
		    !strcmp(argv[1], "poison") || word) {
			last = now;
			x = dirty_work(x, NULL);
			continue;
		}
		x = dirty_work(x, &l);
		fprintf(log, "late %lu\n", ++n);
		last = touch(probe);
	}
	return (int)x;
}
