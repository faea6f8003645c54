/* rmem.c - target memory access through /proc/PID/mem. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "process/proc.h"
#include "process/rmem.h"

int rmem_open(struct rmem *m, pid_t pid, bool write, struct error *err)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	m->pid = pid;
	m->fd = open(path, (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (m->fd >= 0)
		return 0;
	if (errno == EACCES || errno == EPERM)
		return proc_deny(pid, -errno, "read the memory of", err);
	if (errno == ENOENT || errno == ESRCH)
		return error_set(err, -ESRCH, "process %d exited", pid);
	return error_set(err, -errno, "cannot open %s: %s", path,
			 strerror(errno));
}

void rmem_close(struct rmem *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

/* Loop over short transfers; @wr selects pwrite. */
static int xfer(const struct rmem *m, uint64_t addr, void *buf, size_t len,
		bool wr)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = wr ? pwrite(m->fd, (char *)buf + done, len - done,
					(off_t)(addr + done))
			       : pread(m->fd, (char *)buf + done, len - done,
				       (off_t)(addr + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EFAULT;
		done += (size_t)n;
	}
	return 0;
}

int rmem_read(const struct rmem *m, uint64_t addr, void *buf, size_t len,
	      struct error *err)
{
	int r = xfer(m, addr, buf, len, false);

	if (r)
		return error_set(err, r,
				 "cannot read %zu bytes at %#" PRIx64
				 " in process %d: %s",
				 len, addr, m->pid, strerror(-r));
	return 0;
}

int rmem_write(const struct rmem *m, uint64_t addr, const void *buf, size_t len,
	       struct error *err)
{
	int r = xfer(m, addr, (void *)buf, len, true);

	if (r)
		return error_set(err, r,
				 "cannot write %zu bytes at %#" PRIx64
				 " in process %d: %s",
				 len, addr, m->pid, strerror(-r));
	return 0;
}
