/*
 * runwatch.c - counting a running build's compiler calls (runwatch.h).
 *
 * The wrapper appends one line per compiler call to the tree's log
 * (ccwrap.c), each with a single write(), and marks the calls the object
 * cache answered with "cache":"hit".  While the build runs, the new whole
 * lines are read and counted; a line still being written is left for the
 * next look.  The child is watched through a pidfd, so the wait ends as
 * soon as the build does, not at the next tick; where the kernel has no
 * pidfd (before Linux 5.3) the build is waited for without counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "build/hang.h"
#include "build/runwatch.h"
#include "build/spawn.h"
#include "util/xalloc.h"

/* How often the count is looked at, in milliseconds. */
#define RUNWATCH_TICK_MS 250

/* Count the whole lines of @buf (@len bytes) into @c; returns the bytes
 * they take. */
static size_t runwatch_lines(const char *buf, size_t len,
			     struct runwatch_count *c)
{
	const char *p = buf, *nl;
	size_t used = 0;

	while ((nl = memchr(p, '\n', len - used))) {
		c->calls++;
		if (memmem(p, nl - p, "\"cache\":\"hit\"", 13))
			c->hits++;
		used += nl - p + 1;
		p = nl + 1;
	}
	return used;
}

/* Read what the log at @path gained since the last look; false if nothing
 * changed. */
static bool runwatch_read(const char *path, struct runwatch_count *c)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t calls = c->calls, used = 1;
	char buf[65536];
	ssize_t n;

	if (fd < 0)
		return false; /* no compiler call yet */
	/* Until a look finds no whole line: the end, a line being written
	 * or one longer than the buffer (then the count stops there). */
	while (used && ((n = pread(fd, buf, sizeof(buf), c->off)) > 0 ||
			(n < 0 && errno == EINTR)))
		if (n > 0) {
			used = runwatch_lines(buf, n, c);
			c->off += used;
		}
	close(fd);
	return c->calls != calls;
}

char *runwatch_text(const struct runwatch_count *c)
{
	if (!c->hits)
		return xasprintf("%zu compiler call%s", c->calls,
				 c->calls == 1 ? "" : "s");
	return xasprintf("%zu compiler call%s, %zu object%s reused", c->calls,
			 c->calls == 1 ? "" : "s", c->hits,
			 c->hits == 1 ? "" : "s");
}

static void runwatch_report(const struct build_ctx *ctx,
			    const struct build_tree *t, const char *what,
			    struct runwatch_count *c)
{
	char *text;

	if (!runwatch_read(t->cclog_path, c))
		return;
	text = runwatch_text(c);
	build_progress(ctx, false, "building %s: %s", what, text);
	free(text);
}

static double runwatch_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	       (now.tv_nsec - t0->tv_nsec) / 1e9;
}

int runwatch_wait(const struct build_ctx *ctx, const struct build_tree *t,
		  pid_t pid, const char *cmd, const char *what,
		  struct runwatch_count *count, struct error *err)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	unsigned limit = ctx->opts->build_timeout;
	struct timespec t0;
	int n, ret = 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Without a pidfd (Linux < 5.3) nothing would look at a caught
	 * signal: no guard, and no timeout either. */
	if (fd >= 0)
		hang_guard(pid);
	while (fd >= 0 && ret > 0 &&
	       ((n = poll(&p, 1, RUNWATCH_TICK_MS)) == 0 ||
		(n < 0 && errno == EINTR))) {
		if (hang_interrupted())
			hang_abandon(pid, hang_interrupted());
		else if (limit && runwatch_since(&t0) >= limit)
			ret = hang_kill(pid, cmd, runwatch_since(&t0), limit,
					err);
		else if (n == 0)
			runwatch_report(ctx, t, what, count);
	}
	if (fd >= 0) {
		hang_guard(0);
		close(fd);
	}
	if (ret < 0)
		return ret;
	runwatch_report(ctx, t, what, count);
	return spawn_wait(pid, cmd, t->log_path, err);
}
