/*
 * match.h - which enabled patches (store.h) concern a running process:
 * those whose build-id is a module it maps, whether each is applied, and
 * whether the file now on disk at the path it was mapped from is still
 * that build (a package upgrade replaces it with the fixed one).  Read
 * from /proc and the process's memory, nothing stopped: `status` and
 * `drift` report with it, `apply --enabled` applies the missing ones.
 */
#ifndef SUTURE_PERSIST_MATCH_H
#define SUTURE_PERSIST_MATCH_H

#include <stdbool.h>
#include <sys/types.h>

#include "persist/store.h"

#define PERSIST_HEX_MAX (2 * PATCH_BUILD_ID_MAX + 1)

struct persist_match {
	const struct store_entry *e; /* in the store it was matched against */
	char *module;		     /* the mapped file, as /proc/PID/maps
					names it (" (deleted)" included) */
	bool applied;		    /* a live patch of the process has e's id */
	char disk[PERSIST_HEX_MAX]; /* the build-id of the file now at that
				       path when it is not e's ("none": no
				       build-id), else "" (also when it is
				       gone or unreadable) */
};

struct persist_matches {
	struct persist_match *v;
	size_t n, cap;
};

/* persist_match - the entries of @s that concern @pid, module by module,
 * each module's in @s's order (the order to apply them in).  Release with
 * persist_matches_free. */
int persist_match(pid_t pid, const struct store *s, struct persist_matches *m,
		  struct error *err);
void persist_matches_free(struct persist_matches *m);

/*
 * persist_disk_build - the build-id of ELF file @path in hex, into @hex
 * ("none" if it has none).  -ENOENT if it does not exist; another negative
 * errno, with a message, if it cannot be read as ELF.
 */
int persist_disk_build(const char *path, char hex[PERSIST_HEX_MAX],
		       struct error *err);

#endif
