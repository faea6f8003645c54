/*
 * procmaps.c - reading and searching /proc/PID/maps (proc.h).
 *
 * A command reads the map of its target several times (to plan, again
 * under the lock, once more in the stop), so the text is read with plain
 * read() calls into one buffer that lives as long as the command: a fresh
 * 64 KiB buffer for each read (stdio's, with getline's line) grew the heap
 * and trimmed it again, two brk calls a read, one pair inside the stop.
 * suture is single-threaded (cli/fanout.c forks its workers), so a static
 * buffer is safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "process/proc.h"
#include "util/xalloc.h"

/* The buffer's first size: a small process's whole map. */
#define MAPS_BUF_FIRST (64u << 10)
/* Room left for one read below which the buffer doubles: the kernel
 * writes whole lines, and one line may be a path of 4096 bytes. */
#define MAPS_READ_MIN (8u << 10)

static char *maps_buf;
static size_t maps_cap;

/* The number in base @base at *@s, which @sep must follow: into *@v, and
 * *@s past @sep.  false if there is none or no @sep after it. */
static bool map_number(const char **s, int base, char sep, uint64_t *v)
{
	char *end;

	*v = strtoull(*s, &end, base);
	if (end == *s || *end != sep)
		return false;
	*s = end + 1;
	return true;
}

/*
 * One line: "START-END PERMS OFFSET MAJOR:MINOR INODE [PATH]", ended by
 * '\n'.  Parsed by hand, not by sscanf: a thousand-thread server's map has
 * thousands of lines, read several times by each command.
 */
static int parse_map_line(const char *line, struct proc_map *m)
{
	const char *s = line, *perms;
	uint64_t maj, min;
	char *end;

	if (!map_number(&s, 16, '-', &m->start) ||
	    !map_number(&s, 16, ' ', &m->end) || strnlen(s, 5) < 5 ||
	    s[4] != ' ')
		return -EINVAL;
	perms = s;
	s += 5;
	if (!map_number(&s, 16, ' ', &m->offset) ||
	    !map_number(&s, 16, ':', &maj) || !map_number(&s, 16, ' ', &min))
		return -EINVAL;
	m->inode = strtoull(s, &end, 10);
	if (end == s)
		return -EINVAL;
	s = end;
	m->prot = (perms[0] == 'r' ? PROT_READ : 0) |
		  (perms[1] == 'w' ? PROT_WRITE : 0) |
		  (perms[2] == 'x' ? PROT_EXEC : 0);
	m->shared = perms[3] == 's';
	m->dev = makedev(maj, min);
	s += strspn(s, " ");
	m->path = xstrndup(s, strcspn(s, "\n"));
	return 0;
}

/* The whole of @fd into maps_buf, NUL-terminated: its length, or a
 * negative errno. */
static ssize_t read_text(int fd)
{
	size_t len = 0;
	ssize_t n;

	do {
		if (maps_cap - len < MAPS_READ_MIN) {
			maps_cap = maps_cap ? 2 * maps_cap : MAPS_BUF_FIRST;
			maps_buf = xrealloc(maps_buf, maps_cap);
		}
		n = read(fd, maps_buf + len, maps_cap - len - 1);
		if (n > 0)
			len += (size_t)n;
	} while (n > 0 || (n < 0 && errno == EINTR));
	if (n < 0)
		return -errno;
	maps_buf[len] = '\0';
	return (ssize_t)len;
}

/* Parse the @len bytes of text in maps_buf, read from @path, into @m. */
static int parse_text(size_t len, const char *path, struct proc_maps *m,
		      struct error *err)
{
	for (const char *line = maps_buf, *end = maps_buf + len; line < end;) {
		size_t n = strcspn(line, "\n");

		XGROW(m->v, m->cap, m->n);
		if (parse_map_line(line, &m->v[m->n]) < 0)
			return error_set(err, -EINVAL,
					 "cannot parse %s line: %.*s", path,
					 (int)n, line);
		m->n++;
		line += n + 1;
	}
	return 0;
}

/* The refusal to open @path (of @pid's map) with errno @e, explained by
 * proc_deny() if @explain. */
static int open_refused(pid_t pid, const char *path, int e, bool explain,
			struct error *err)
{
	if (e != EACCES && e != EPERM)
		return error_set(err, -e, "cannot read %s: %s", path,
				 strerror(e));
	return explain ? proc_deny(pid, -e, "read the memory map of", err)
		       : error_set(err, -e,
				   "not permitted to read the memory map of "
				   "process %d",
				   pid);
}

/* proc_maps_read, the permission failure explained if @explain. */
static int maps_read(pid_t pid, struct proc_maps *m, bool explain,
		     struct error *err)
{
	char path[64];
	ssize_t len;
	int fd, r;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return open_refused(pid, path, errno, explain, err);
	len = read_text(fd);
	close(fd);
	if (len < 0)
		return error_set(err, (int)len, "cannot read %s: %s", path,
				 strerror((int)-len));
	if ((r = parse_text((size_t)len, path, m, err)))
		return r;
	if (!m->n)
		return error_set(err, -ESRCH,
				 "process %d exited (it has no memory map)",
				 pid);
	return 0;
}

int proc_maps_read(pid_t pid, struct proc_maps *m, struct error *err)
{
	return maps_read(pid, m, true, err);
}

int proc_maps_read_brief(pid_t pid, struct proc_maps *m, struct error *err)
{
	return maps_read(pid, m, false, err);
}

void proc_maps_free(struct proc_maps *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

const struct proc_map *proc_maps_find(const struct proc_maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;

	/* The kernel lists mappings sorted and disjoint: binary search. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < m->v[mid].start)
			hi = mid;
		else if (addr >= m->v[mid].end)
			lo = mid + 1;
		else
			return &m->v[mid];
	}
	return NULL;
}
