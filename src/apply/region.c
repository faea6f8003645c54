/* region.c - mapping and unmapping a patch's region in the target. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "apply/region.h"
#include "apply/state.h"
#include "process/rsyscall.h"

/* Run one system call; a failure inside the target becomes *ret < 0. */
static int call(struct session *s, struct rsys *rs, long nr, uint64_t a0,
		uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
		long *ret, struct error *err)
{
	const uint64_t args[6] = {a0, a1, a2, a3, a4, a5};

	return rsyscall(s, rs, nr, args, ret, err);
}

/* Create the memfd, sized for the region; *fd gets the target's number. */
static int make_memfd(struct session *s, const struct rmem *mem,
		      struct rsys *rs, const char *name, uint64_t size,
		      long *fd, struct error *err)
{
	char full[128];
	uint64_t at;
	long ret;
	int r;

	snprintf(full, sizeof(full), STATE_MEMFD_PREFIX "%s", name);
	/* The name must be in the target's memory: put it on the stack of
	 * the injecting thread, below the part its code may be using. */
	at = rsyscall_scratch(s, strlen(full) + 1);
	if ((r = rmem_write(mem, at, full, strlen(full) + 1, err)) ||
	    (r = call(s, rs, SYS_memfd_create, at, MFD_CLOEXEC, 0, 0, 0, 0, fd,
		      err)))
		return r;
	if (*fd < 0)
		return error_set(err, (int)*fd,
				 "memfd_create failed in process %d: %s",
				 s->pid, strerror((int)-*fd));
	if ((r = call(s, rs, SYS_ftruncate, (uint64_t)*fd, size, 0, 0, 0, 0,
		      &ret, err)))
		return r;
	if (ret < 0)
		return error_set(err, (int)ret,
				 "cannot size the patch's memory in process "
				 "%d: %s",
				 s->pid, strerror((int)-ret));
	return 0;
}

/* Map part @k; 0, -EEXIST if its range is taken, or another error. */
static int map_part(struct session *s, struct rsys *rs, uint64_t base,
		    const struct record_part *p, long fd, struct error *err)
{
	uint64_t want = base + p->offset;
	long ret;
	int r;

	if ((r = call(s, rs, SYS_mmap, want, p->size, (uint64_t)p->prot,
		      MAP_PRIVATE | MAP_FIXED_NOREPLACE, (uint64_t)fd,
		      p->offset, &ret, err)))
		return r;
	if (ret == -EEXIST)
		return -EEXIST;
	if (ret < 0 && ret > -4096)
		return error_set(err, (int)ret,
				 "cannot map %" PRIu64 " bytes at %#" PRIx64
				 " in process %d: %s",
				 p->size, want, s->pid, strerror((int)-ret));
	if ((uint64_t)ret != want) {
		/* A kernel without MAP_FIXED_NOREPLACE took it as a hint. */
		call(s, rs, SYS_munmap, (uint64_t)ret, p->size, 0, 0, 0, 0,
		     &ret, NULL);
		return -EEXIST;
	}
	return 0;
}

int region_map(struct session *s, const struct rmem *mem, struct rsys *rs,
	       const char *name, uint64_t base,
	       const struct record_part parts[RECORD_NPARTS], unsigned *mapped,
	       struct error *err)
{
	uint64_t size = 0;
	long fd = -1, ret;
	int r;

	*mapped = 0;
	for (int k = 0; k < RECORD_NPARTS; k++)
		if (parts[k].offset + parts[k].size > size)
			size = parts[k].offset + parts[k].size;
	if ((r = make_memfd(s, mem, rs, name, size, &fd, err)))
		goto out_close;
	for (int k = 0; k < RECORD_NPARTS; k++) {
		if (!parts[k].size)
			continue;
		if ((r = map_part(s, rs, base, &parts[k], fd, err)))
			goto out_unmap;
		*mapped |= 1u << k;
	}
	/* The mappings hold the memfd; the descriptor is not needed. */
	call(s, rs, SYS_close, (uint64_t)fd, 0, 0, 0, 0, 0, &ret, NULL);
	return 0;
out_unmap:
	region_unmap_parts(s, rs, base, parts, *mapped, NULL);
	*mapped = 0;
out_close:
	if (fd >= 0)
		call(s, rs, SYS_close, (uint64_t)fd, 0, 0, 0, 0, 0, &ret, NULL);
	return r;
}

/*
 * The parts of a region are adjacent and mapped in order, so the parts in
 * @mapped cover one range, which goes in one munmap: a system call happens
 * whole or not at all, so suture dying here never leaves a region cut in
 * two (a code part without its record would be a leak nobody could find).
 */
int region_unmap_parts(struct session *s, struct rsys *rs, uint64_t base,
		       const struct record_part parts[RECORD_NPARTS],
		       unsigned mapped, struct error *err)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	long ret;
	int r;

	for (int k = 0; k < RECORD_NPARTS; k++) {
		if (!(mapped & (1u << k)))
			continue;
		if (base + parts[k].offset < lo)
			lo = base + parts[k].offset;
		if (base + parts[k].offset + parts[k].size > hi)
			hi = base + parts[k].offset + parts[k].size;
	}
	if (lo >= hi)
		return 0;
	if ((r = call(s, rs, SYS_munmap, lo, hi - lo, 0, 0, 0, 0, &ret, err)))
		return r;
	if (ret < 0)
		return error_set(err, (int)ret,
				 "cannot unmap %#" PRIx64 " in process %d: %s",
				 lo, s->pid, strerror((int)-ret));
	return 0;
}
