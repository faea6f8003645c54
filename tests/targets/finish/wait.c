/*
 * wait.c - the waits step() makes inside, each of which a stop by suture
 * must leave unnoticed: no call may fail with EINTR (the program's signal
 * handlers are installed without SA_RESTART, app.c), none may fail at all.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "finish.h"

enum mode { NANOSLEEP, POLL, SELECT, EPOLL, READ };

static enum mode mode;
static int quiet[2];		       /* a pipe nothing is written to */
static int feed[FINISH_MAX_THREADS][2]; /* read mode: one per thread */
static int nfeed, epfd = -1;
static unsigned long eintr, other;
static int wait_ms = 5; /* FINISH_MS */

static void note(int ok)
{
	if (!ok)
		__atomic_fetch_add(errno == EINTR ? &eintr : &other, 1,
				   __ATOMIC_RELAXED);
}

static void nap(void)
{
	struct timespec t = {wait_ms / 1000, wait_ms % 1000 * 1000000L};

	note(nanosleep(&t, NULL) == 0);
}

/* read mode: a byte for every thread every wait_ms */
static void *feeder(void *arg)
{
	for (;;) {
		for (int i = 0; i < nfeed; i++)
			if (write(feed[i][1], "x", 1) != 1)
				__atomic_fetch_add(&other, 1, __ATOMIC_RELAXED);
		nap();
	}
	return arg;
}

static int parse_mode(const char *m)
{
	static const char *names[] = {"nanosleep", "poll", "select", "epoll",
				      "read"};

	for (int i = 0; i < 5; i++)
		if (!strcmp(m, names[i])) {
			mode = (enum mode)i;
			return 0;
		}
	return -1;
}

int wait_init(int n)
{
	const char *m = getenv("FINISH_WAIT"), *ms = getenv("FINISH_MS");
	struct epoll_event ev = {.events = EPOLLIN};
	pthread_t th;

	if (ms)
		wait_ms = atoi(ms);
	if ((m && parse_mode(m)) || wait_ms < 1 || pipe(quiet))
		return -1;
	if (mode == EPOLL && ((epfd = epoll_create1(0)) < 0 ||
			      epoll_ctl(epfd, EPOLL_CTL_ADD, quiet[0], &ev)))
		return -1;
	if (mode != READ)
		return 0;
	for (nfeed = 0; nfeed < n; nfeed++)
		if (pipe(feed[nfeed]))
			return -1;
	return pthread_create(&th, NULL, feeder, NULL) ? -1 : 0;
}

void pause_in(int id)
{
	struct pollfd p = {.fd = quiet[0], .events = POLLIN};
	struct timeval tv = {wait_ms / 1000, wait_ms % 1000 * 1000L};
	struct epoll_event ev;
	fd_set set;
	char c;

	switch (mode) {
	case NANOSLEEP:
		nap();
		break;
	case POLL:
		note(poll(&p, 1, wait_ms) == 0);
		break;
	case SELECT:
		FD_ZERO(&set);
		FD_SET(quiet[0], &set);
		note(select(quiet[0] + 1, &set, NULL, NULL, &tv) == 0);
		break;
	case EPOLL:
		note(epoll_wait(epfd, &ev, 1, wait_ms) == 0);
		break;
	case READ:
		note(read(feed[id][0], &c, 1) == 1);
		break;
	}
}

void wait_counts(unsigned long *e, unsigned long *o)
{
	*e = __atomic_load_n(&eintr, __ATOMIC_RELAXED);
	*o = __atomic_load_n(&other, __ATOMIC_RELAXED);
}
