/* file.h - whole-file reading and writing, and paths. */
#ifndef SUTURE_UTIL_FILE_H
#define SUTURE_UTIL_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/*
 * file_read - read all of @path into a new buffer (*buf, *len); the buffer
 * is NUL-terminated one byte past *len.  The caller frees *buf.
 */
int file_read(const char *path, unsigned char **buf, size_t *len,
	      struct error *err);

/*
 * file_read_regular - the same for a file that must be a regular file of at
 * most @max bytes: a FIFO, device or socket is refused without waiting
 * (suture would block, or read without end), and so is a larger file.
 */
int file_read_regular(const char *path, size_t max, unsigned char **buf,
		      size_t *len, struct error *err);

/*
 * file_write_atomic - write @len bytes to @path through a new temporary
 * file of an unguessable name beside it and rename, so readers never see
 * a partial file (and, in /tmp, no planted link redirects the write).
 */
int file_write_atomic(const char *path, const void *buf, size_t len,
		      struct error *err);

/*
 * file_create_once - make @path a file of @len bytes of @buf, of mode
 * @mode and, unless @gid is -1, of group @gid, written and synced before
 * it appears under its name (through a temporary file beside it, as
 * file_write_atomic), unless a file is at @path already: then 0, and that
 * file stays (two processes making the same file: the first one wins).
 */
int file_create_once(const char *path, const void *buf, size_t len, mode_t mode,
		     gid_t gid, struct error *err);

/*
 * path_under - the part of @path below directory @dir: "" when @path is
 * @dir, what follows "@dir/" when it lies under it, NULL otherwise and for
 * a NULL or empty @dir.  Both paths as they are: nothing is resolved.
 */
const char *path_under(const char *path, const char *dir);

/* file_remove_tree - delete @dir and everything under it (errors are
 * ignored: what remains is a temporary directory left behind). */
void file_remove_tree(const char *dir);

#endif
