/*
 * runwatch.h - waiting for one tree's build while counting its compiler
 * calls (runwatch.c), for the progress run.c reports.
 */
#ifndef SUTURE_BUILD_RUNWATCH_H
#define SUTURE_BUILD_RUNWATCH_H

#include <stddef.h>
#include <sys/types.h>

#include "build/pipeline.h"

/* What a tree's wrapper log holds so far. */
struct runwatch_count {
	off_t off;    /* bytes of whole lines read */
	size_t calls; /* compiler calls (one line each) */
	size_t hits;  /* of them, objects the object cache gave */
};

/*
 * runwatch_wait - wait for the build of @t (child @pid running @cmd) and
 * return spawn_wait()'s result.  Meanwhile, and once more at its end, the
 * count of its wrapper log goes to *@count and, whenever it changed, to
 * build_progress() as "building @what: N compiler calls[, M objects
 * reused]", at most four times a second.
 */
int runwatch_wait(const struct build_ctx *ctx, const struct build_tree *t,
		  pid_t pid, const char *cmd, const char *what,
		  struct runwatch_count *count, struct error *err);

/* runwatch_text - "N compiler calls[, M objects reused]" for @c.  A new
 * string. */
char *runwatch_text(const struct runwatch_count *c);

#endif
