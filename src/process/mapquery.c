/* mapquery.c - the map of a stopped process by PROCMAP_QUERY (mapquery.h). */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

#include "process/mapquery.h"
#include "util/xalloc.h"

/* The name of the mapping without an inode at @q->vma_start ("" if it has
 * none): asked again with room for it, the map being still.  Room for a
 * path too: a file whose inode number is 0, if any, has its path here as
 * in the text (deadstack.c tells anonymous memory by inode and name). */
static int anon_name(int fd, const struct procmap_query *q, char **name)
{
	char buf[PATH_MAX];
	struct procmap_query n = {.size = sizeof(n),
				  .query_addr = q->vma_start,
				  .vma_name_size = sizeof(buf),
				  .vma_name_addr = (uintptr_t)buf};

	if (ioctl(fd, PROCMAP_QUERY, &n) < 0)
		return -errno;
	*name = xstrndup(buf, n.vma_name_size ? n.vma_name_size - 1 : 0);
	return 0;
}

/* One mapping, answered in @q, into @p. */
static int fill(int fd, const struct procmap_query *q, struct proc_map *p)
{
	*p = (struct proc_map){
	    .start = q->vma_start,
	    .end = q->vma_end,
	    .offset = q->vma_offset,
	    .prot =
		(q->vma_flags & PROCMAP_QUERY_VMA_READABLE ? PROT_READ : 0) |
		(q->vma_flags & PROCMAP_QUERY_VMA_WRITABLE ? PROT_WRITE : 0) |
		(q->vma_flags & PROCMAP_QUERY_VMA_EXECUTABLE ? PROT_EXEC : 0),
	    .shared = q->vma_flags & PROCMAP_QUERY_VMA_SHARED,
	    .dev = makedev(q->dev_major, q->dev_minor),
	    .inode = q->inode};

	if (q->inode) {
		p->path = xstrndup("", 0);
		return 0;
	}
	return anon_name(fd, q, &p->path);
}

int proc_maps_query(int fd, pid_t pid, struct proc_maps *m, struct error *err)
{
	struct procmap_query q = {.size = sizeof(q)};
	int r = 0;

	/* Each answer is the first mapping ending above query_addr. */
	while (!r) {
		q.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA;
		if (ioctl(fd, PROCMAP_QUERY, &q) < 0) {
			r = -errno;
			break;
		}
		XGROW(m->v, m->cap, m->n);
		if (!(r = fill(fd, &q, &m->v[m->n])))
			m->n++;
		q.query_addr = q.vma_end;
	}
	if (r == -ENOENT && m->n) /* none after the last */
		return 0;
	if (r == -ENOTTY)
		return r;
	r = r == -ENOENT ? -ESRCH : r; /* no mapping at all: it exited */
	return error_set(err, r,
			 "cannot query the memory map of process %d: %s",
			 (int)pid, r == -ESRCH ? "it exited" : strerror(-r));
}
