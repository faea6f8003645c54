/* codemaps.c - executable file mappings by PROCMAP_QUERY (codemaps.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fleet/codemaps.h"
#include "process/mapquery.h"
#include "util/xalloc.h"

#define PQ_NAME_MAX 4200 /* a path and " (deleted)" */

/* The mapping at or after @addr into @c, with its build-id if @id (else
 * id_len 0); -ENOENT after the last. */
static int query_one(int fd, uint64_t addr, bool id, struct codemap *c)
{
	char name[PQ_NAME_MAX];
	struct procmap_query q = {
	    .size = sizeof(q),
	    .query_flags = PROCMAP_QUERY_VMA_EXECUTABLE |
			   PROCMAP_QUERY_COVERING_OR_NEXT_VMA |
			   PROCMAP_QUERY_FILE_BACKED_VMA,
	    .query_addr = addr,
	    .vma_name_size = sizeof(name),
	    .build_id_size = id ? BUILD_ID_MAX : 0,
	    .vma_name_addr = (uintptr_t)name,
	    .build_id_addr = id ? (uintptr_t)c->id : 0,
	};

	if (ioctl(fd, PROCMAP_QUERY, &q) < 0)
		return -errno;
	c->m = (struct proc_map){
	    .start = q.vma_start,
	    .end = q.vma_end,
	    .offset = q.vma_offset,
	    .prot = PROT_EXEC,
	    .dev = makedev(q.dev_major, q.dev_minor),
	    .inode = q.inode,
	    .path = xstrdup(q.vma_name_size ? name : ""),
	};
	c->id_len = id ? q.build_id_size : 0;
	return 0;
}

/*
 * The mapping at or after @addr into @c, its build-id from @known or else
 * asked again with it.  The second answer is the one kept: should the
 * map have changed in between, it is still a true answer for @addr.
 */
static int query_known(int fd, uint64_t addr, const struct codemap_known *k,
		       struct codemap *c)
{
	int r;

	if (!k)
		return query_one(fd, addr, true, c);
	if ((r = query_one(fd, addr, false, c)) || k->find(k->arg, c))
		return r;
	free(c->m.path);
	return query_one(fd, c->m.start, true, c);
}

int codemaps_read(pid_t pid, const struct codemap_known *known,
		  struct codemap **v, size_t *n)
{
	char path[64];
	size_t cap = 0;
	uint64_t addr = 0;
	int fd, r;

	*v = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	for (;;) {
		XGROW(*v, cap, *n);
		if ((r = query_known(fd, addr, known, &(*v)[*n])))
			break;
		addr = (*v)[(*n)++].m.end;
	}
	close(fd);
	if (r == -ENOENT)
		return 0;
	/* no answer at all (no such ioctl, or a filter denies it) */
	if (!*n)
		r = -ENOTTY;
	codemaps_free(*v, *n);
	*v = NULL;
	*n = 0;
	return r;
}

void codemaps_free(struct codemap *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].m.path);
	free(v);
}
