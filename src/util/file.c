/* file.c - whole-file reading and writing. */
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"
#include "util/xalloc.h"

/* Read @fd to its end, refusing more than @max bytes; closes @fd. */
static int read_all(int fd, const char *path, size_t max, unsigned char **buf,
		    size_t *len, struct error *err)
{
	size_t cap = 65536, n = 0;
	unsigned char *b = xmalloc(cap + 1);
	ssize_t r;
	int ret = 0;

	while ((r = read(fd, b + n, cap - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = error_set(err, -errno, "cannot read %s: %s", path,
					strerror(errno));
			break;
		}
		if ((n += r) > max) {
			ret = error_set(err, -EFBIG,
					"%s grew past %zu bytes while suture "
					"read it",
					path, max);
			break;
		}
		if (n == cap)
			b = xrealloc(b, (cap *= 2) + 1);
	}
	close(fd);
	if (ret) {
		free(b);
		return ret;
	}
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
}

static int open_failed(const char *path, struct error *err)
{
	return error_set(err, -errno, "cannot open %s: %s", path,
			 strerror(errno));
}

int file_read(const char *path, unsigned char **buf, size_t *len,
	      struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return open_failed(path, err);
	return read_all(fd, path, SIZE_MAX - 1, buf, len, err);
}

/* What kind of file @st is, for a refusal. */
static const char *file_kind(const struct stat *st)
{
	if (S_ISFIFO(st->st_mode))
		return "a FIFO";
	if (S_ISCHR(st->st_mode))
		return "a character device";
	if (S_ISBLK(st->st_mode))
		return "a block device";
	if (S_ISSOCK(st->st_mode))
		return "a socket";
	return S_ISDIR(st->st_mode) ? "a directory" : "no regular file";
}

/* Why the file open at @fd may not be read as a bounded regular file. */
static int check_regular(int fd, const char *path, size_t max,
			 struct error *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return error_set(err, -errno, "cannot stat %s: %s", path,
				 strerror(errno));
	if (!S_ISREG(st.st_mode))
		return error_set(err, -EINVAL,
				 "%s is %s, not a regular file; suture reads "
				 "only regular files here (copy it into "
				 "one)",
				 path, file_kind(&st));
	if ((uint64_t)st.st_size > max)
		return error_set(err, -EFBIG,
				 "%s is %jd bytes, more than the %zu suture "
				 "reads from such a file",
				 path, (intmax_t)st.st_size, max);
	return 0;
}

int file_read_regular(const char *path, size_t max, unsigned char **buf,
		      size_t *len, struct error *err)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	int ret;

	if (fd < 0)
		return open_failed(path, err);
	if ((ret = check_regular(fd, path, max, err))) {
		close(fd);
		return ret;
	}
	return read_all(fd, path, max, buf, len, err);
}

/*
 * A new temporary file beside @path (its name into *@tmp, to free) holding
 * @len bytes of @buf, of mode @mode: its descriptor, or a negative errno
 * (nothing left behind).  The file is a new one of a name no one can
 * guess (mkostemp: O_EXCL), so that in a directory others may write
 * (/tmp) a link planted at the name cannot redirect the write; ".tmp." in
 * it marks it as one (the build cache skips such files while they are
 * young).
 */
static int temp_beside(const char *path, const void *buf, size_t len,
		       mode_t mode, char **tmp, struct error *err)
{
	const char *p = buf;
	int fd, ret;

	*tmp = xasprintf("%s.tmp.XXXXXX", path);
	if ((fd = mkostemp(*tmp, O_CLOEXEC)) < 0)
		return error_set(err, -errno, "cannot create %s: %s", *tmp,
				 strerror(errno));
	fchmod(fd, mode);
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			ret = error_set(err, -errno, "cannot write %s: %s",
					*tmp, strerror(errno));
			close(fd);
			unlink(*tmp);
			return ret;
		}
		p += w;
		len -= w;
	}
	return fd;
}

/* The temporary file's mode is what open(0644) would give under the
 * umask. */
int file_write_atomic(const char *path, const void *buf, size_t len,
		      struct error *err)
{
	mode_t mask = umask(0);
	char *tmp;
	int fd, ret = 0;

	umask(mask);
	if ((fd = temp_beside(path, buf, len, 0644 & ~mask, &tmp, err)) < 0)
		goto out_free;
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		ret = error_set(err, -errno, "cannot write %s: %s", path,
				strerror(errno));
		unlink(tmp);
	}
out_free:
	free(tmp);
	return fd < 0 ? fd : ret;
}

/* link(), not rename(): a file another process put at @path first stays,
 * and the caller reads that one. */
int file_create_once(const char *path, const void *buf, size_t len, mode_t mode,
		     gid_t gid, struct error *err)
{
	char *tmp;
	int fd, ret = 0;

	if ((fd = temp_beside(path, buf, len, mode, &tmp, err)) < 0)
		goto out_free;
	if ((gid != (gid_t)-1 && fchown(fd, -1, gid)) || fsync(fd) ||
	    (link(tmp, path) < 0 && errno != EEXIST))
		ret = error_set(err, -errno, "cannot create %s: %s", path,
				strerror(errno));
	close(fd);
	unlink(tmp);
out_free:
	free(tmp);
	return fd < 0 ? fd : ret;
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(flag == FTW_DP ? rmdir : unlink)(path);
	return 0;
}

void file_remove_tree(const char *dir)
{
	nftw(dir, remove_one, 32, FTW_DEPTH | FTW_PHYS);
}

const char *path_under(const char *path, const char *dir)
{
	size_t n = dir ? strlen(dir) : 0;

	if (!n || strncmp(path, dir, n))
		return NULL;
	return !path[n] ? path + n : path[n] == '/' ? path + n + 1 : NULL;
}
