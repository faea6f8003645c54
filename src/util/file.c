/* file.c - whole-file reading and writing. */
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"
#include "util/xalloc.h"

int file_read(const char *path, unsigned char **buf, size_t *len,
	      struct error *err)
{
	size_t cap = 65536, n = 0;
	unsigned char *b;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, -errno, "cannot open %s: %s", path,
				 strerror(errno));
	b = xmalloc(cap + 1);
	while ((r = read(fd, b + n, cap - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(b);
			close(fd);
			return error_set(err, -e, "cannot read %s: %s", path,
					 strerror(e));
		}
		n += r;
		if (n == cap)
			b = xrealloc(b, (cap *= 2) + 1);
	}
	close(fd);
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
}

int file_write_atomic(const char *path, const void *buf, size_t len,
		      struct error *err)
{
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	const char *p = buf;
	int fd, ret = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = error_set(err, -errno, "cannot create %s: %s", tmp,
				strerror(errno));
		goto out_free;
	}
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			ret = error_set(err, -errno, "cannot write %s: %s", tmp,
					strerror(errno));
			close(fd);
			goto out_unlink;
		}
		p += w;
		len -= w;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		ret = error_set(err, -errno, "cannot write %s: %s", path,
				strerror(errno));
		goto out_unlink;
	}
	goto out_free;
out_unlink:
	unlink(tmp);
out_free:
	free(tmp);
	return ret;
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
