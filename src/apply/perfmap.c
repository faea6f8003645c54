/*
 * perfmap.c - /tmp/perf-PID.map lines for patch code (perfmap.h).
 *
 * The file lies in a world-writable directory, so it is never followed
 * through a symbolic link (O_NOFOLLOW), and it is rewritten by renaming a
 * new file over it, so a reader never sees half of it.  The line of a
 * function is "NEW_ADDR NEW_SIZE NAME [suture:PATCH]": the patch's name
 * makes suture's lines its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/perfmap.h"
#include "apply/state.h"
#include "util/file.h"
#include "util/xalloc.h"

/* How a map is opened to add lines (never through a symbolic link). */
#define MAP_APPEND (O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC)

static char *map_path(pid_t pid)
{
	return xasprintf("/tmp/perf-%d.map", (int)pid);
}

/* The lines of @r, joined; NULL if it has no function with a size. */
static char *patch_lines(const struct record *r)
{
	char *all = xstrdup(""), *next;

	for (size_t i = 0; i < r->nfuncs; i++) {
		const struct record_func *f = &r->funcs[i];

		if (!f->new_size)
			continue;
		next =
		    xasprintf("%s%" PRIx64 " %" PRIx64 " %s [suture:%s]\n", all,
			      f->new_addr, f->new_size, f->name, r->name);
		free(all);
		all = next;
	}
	if (*all)
		return all;
	free(all);
	return NULL;
}

/* The text of @path, or "" if there is none; NULL if it cannot be read.
 * Its length in *@size (a file of another tool's may hold a NUL). */
static char *read_map(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char *text = NULL, buf[4096];
	size_t len = 0;
	ssize_t n;

	*size = 0;
	if (fd < 0)
		return errno == ENOENT ? xstrdup("") : NULL;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		text = xrealloc(text, len + (size_t)n + 1);
		memcpy(text + len, buf, (size_t)n);
		len += (size_t)n;
	}
	close(fd);
	if (n < 0) {
		free(text);
		return NULL;
	}
	if (!text)
		return xstrdup("");
	text[len] = '\0';
	*size = len;
	return text;
}

/* Append @lines, patch @r's, to @path unless they are in it already (an
 * apply and another suture's perfmap_fill may both write them): 1 if
 * appended, 0 if there, or a negative errno.  A map made now holds
 * nothing yet: only an existing one is read first (the usual first patch
 * of a process saves a lookup in /tmp, 30-80 µs). */
static int add_once(const char *path, const char *lines, const struct record *r,
		    struct error *err)
{
	int fd = open(path, MAP_APPEND | O_EXCL, 0644), ret = 1;
	size_t size;
	char *text;

	if (fd < 0 && errno == EEXIST) {
		if ((text = read_map(path, &size)) && strstr(text, lines)) {
			free(text);
			return 0;
		}
		free(text);
		fd = open(path, MAP_APPEND, 0644);
	}
	/* One write: appends of other writers do not cut our lines. */
	if (fd < 0 || write(fd, lines, strlen(lines)) != (ssize_t)strlen(lines))
		ret = error_set(err, -errno, "cannot add patch '%s' to %s: %s",
				r->name, path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ret;
}

int perfmap_add(pid_t pid, const struct record *r, struct error *err)
{
	char *path = map_path(pid), *lines = patch_lines(r);
	int ret = lines ? add_once(path, lines, r, err) : 0;

	free(lines);
	free(path);
	return ret < 0 ? ret : 0;
}

/* Whether line @line (with its newline) is one of @lines. */
static bool is_ours(const char *line, size_t len, const char *lines)
{
	for (const char *p = lines; *p;) {
		const char *end = strchr(p, '\n');

		if ((size_t)(end - p + 1) == len && !memcmp(p, line, len))
			return true;
		p = end + 1;
	}
	return false;
}

/* The lines of @text (@size bytes) that are not in @lines, into @out
 * (as big); their length.  A last line without its newline is kept. */
static size_t others(const char *text, size_t size, const char *lines,
		     char *out)
{
	size_t at = 0;

	for (const char *p = text, *end = text + size; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);

		if (!is_ours(p, len, lines)) {
			memcpy(out + at, p, len);
			at += len;
		}
		p += len;
	}
	return at;
}

/*
 * Rewrite @path, whose text is @text, without @lines; or, if nothing else
 * is left in it (the last patch went), remove it: the usual case, which
 * needs no new file (a create and a second unlink in /tmp saved).
 */
static int rewrite(const char *path, const char *text, size_t size,
		   const char *lines)
{
	char *kept = xmalloc(size + 1);
	size_t len = others(text, size, lines, kept);
	int ret = 0;

	if (!len) {
		if (unlink(path) && errno != ENOENT)
			ret = -errno;
	} else if (len != size) {
		ret = file_write_atomic(path, kept, len, NULL);
	}
	free(kept);
	return ret;
}

int perfmap_remove(pid_t pid, const struct record *r, struct error *err)
{
	char *path = map_path(pid), *lines = patch_lines(r), *text = NULL;
	size_t size;
	int ret = 0;

	if (!lines)
		goto out_free;
	if (!(text = read_map(path, &size)))
		ret =
		    error_set(err, errno ? -errno : -EIO, "cannot read %s: %s",
			      path, strerror(errno ? errno : EIO));
	else if ((ret = rewrite(path, text, size, lines)))
		error_set(err, ret, "cannot remove patch '%s' from %s: %s",
			  r->name, path, strerror(-ret));
out_free:
	free(text);
	free(lines);
	free(path);
	return ret;
}

int perfmap_fill(pid_t pid, const struct state *st, struct error *err)
{
	char *path = map_path(pid), *lines;
	int added = 0, r;

	for (size_t i = 0; i < st->n && added >= 0; i++) {
		if (!(lines = patch_lines(&st->v[i])))
			continue;
		r = add_once(path, lines, &st->v[i], err);
		added = r < 0 ? r : added + r;
		free(lines);
	}
	free(path);
	return added;
}
