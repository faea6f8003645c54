/* file.h - whole-file reading and writing. */
#ifndef SUTURE_UTIL_FILE_H
#define SUTURE_UTIL_FILE_H

#include <stddef.h>

#include "util/error.h"

/*
 * file_read - read all of @path into a new buffer (*buf, *len); the buffer
 * is NUL-terminated one byte past *len.  The caller frees *buf.
 */
int file_read(const char *path, unsigned char **buf, size_t *len,
	      struct error *err);

/*
 * file_write_atomic - write @len bytes to @path through a temporary file and
 * rename, so readers never see a partial file.
 */
int file_write_atomic(const char *path, const void *buf, size_t len,
		      struct error *err);

/* file_remove_tree - delete @dir and everything under it (errors are
 * ignored: what remains is a temporary directory left behind). */
void file_remove_tree(const char *dir);

#endif
