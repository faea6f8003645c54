/* leftover.c - removing what an interrupted suture left (leftover.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "apply/leftover.h"
#include "util/fault.h"
#include "util/xalloc.h"

size_t leftover_count(const struct state *st)
{
	size_t n = st->ndead;

	for (size_t i = 0; i < st->nbad; i++)
		n += st->bad[i].blank;
	return n;
}

void leftover_forbid(struct safety *sf, const struct state *st)
{
	for (size_t i = 0; i < st->ndead; i++) {
		const struct record *r = &st->dead[i];
		char *what = xasprintf("the code left by an interrupted "
				       "suture for patch '%s'",
				       r->name);

		safety_add(sf, r->base, r->base + r->size, what);
		free(what);
	}
}

/* Restore the entries of @r that still jump into it. */
static int restore_entries(const struct rmem *mem, const struct record *r,
			   struct error *err)
{
	unsigned char want[ARCH_TRAMPOLINE_MAX], have[ARCH_TRAMPOLINE_MAX];
	size_t len = arch_trampoline_len();
	int ret;

	for (size_t i = 0; i < r->nfuncs; i++) {
		const struct record_func *f = &r->funcs[i];

		if (f->flags & PFUNC_PART)
			continue;
		if ((ret = rmem_read(mem, f->entry, have, len, err)))
			return ret;
		if (arch_trampoline_write(want, f->entry, record_func_jump(f)) <
			0 ||
		    memcmp(want, have, len))
			continue;
		if ((ret = rmem_write(mem, f->entry, f->saved, f->saved_len,
				      err)))
			return ret;
		fault_point("leftover entry restored");
	}
	return 0;
}

static int unmap(struct session *s, struct rsys *rs, uint64_t lo, uint64_t hi,
		 struct error *err)
{
	const uint64_t args[6] = {lo, hi - lo};
	long ret;
	int r;

	if ((r = rsyscall(s, rs, SYS_munmap, args, &ret, err)))
		return r;
	if (ret < 0)
		return error_set(err, (int)ret,
				 "cannot unmap the leftover region at %#" PRIx64
				 " in process %d: %s",
				 lo, s->pid, strerror((int)-ret));
	fault_point("leftover region unmapped");
	return 0;
}

/*
 * Close descriptors of suture's memfds that a suture killed between
 * memfd_create and close left open.  Read now, with every thread stopped,
 * so the numbers cannot change under us.
 */
static int close_memfds(struct session *s, struct rsys *rs, struct error *err)
{
	char dir[64], path[64 + 256], link[256];
	struct dirent *d;
	DIR *fds;
	int r = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", s->pid);
	if (!(fds = opendir(dir)))
		return 0; /* not knowing leaks a descriptor, nothing worse */
	while (!r && (d = readdir(fds))) {
		uint64_t args[6] = {0};
		ssize_t n;
		long ret;

		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, "/memfd:" STATE_MEMFD_PREFIX,
			    strlen("/memfd:" STATE_MEMFD_PREFIX)))
			continue;
		args[0] = strtoull(d->d_name, NULL, 10);
		r = rsyscall(s, rs, SYS_close, args, &ret, err);
		fault_point("leftover descriptor closed");
	}
	closedir(fds);
	return r;
}

int leftover_clean(struct session *s, struct rsys *rs, const struct rmem *mem,
		   const struct state *st, struct error *err)
{
	int r;

	if ((r = close_memfds(s, rs, err)))
		return r;
	for (size_t i = st->ndead; i-- > 0;) {
		const struct record *d = &st->dead[i];

		if ((r = restore_entries(mem, d, err)) ||
		    (r = unmap(s, rs, d->base, d->base + d->size, err)))
			return r;
	}
	for (size_t i = 0; i < st->nbad; i++)
		if (st->bad[i].blank &&
		    (r = unmap(s, rs, st->bad[i].start, st->bad[i].end, err)))
			return r;
	return 0;
}
