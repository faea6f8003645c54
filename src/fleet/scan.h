/*
 * scan.h - every process on the machine, by the modules it runs.
 *
 * `suture apply FILE` patches the processes that map the patch's build-id,
 * and `suture status --all` lists the processes that run patched or
 * patchable modules: both walk /proc once.  A walk reads each process's
 * /proc/PID/maps and, for each distinct mapped file (by device and inode,
 * read once however many processes map it), its GNU build-id: through
 * /proc/PID/map_files (the mapped inode itself, also a file that a package
 * upgrade has replaced or deleted, whose path the map shows with
 * " (deleted)") or else through the path under /proc/PID/root, accepted
 * only if it is still the mapped inode.  Nothing is stopped or written.
 */
#ifndef SUTURE_FLEET_SCAN_H
#define SUTURE_FLEET_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "patchfile/patch.h"
#include "util/error.h"

/* One ELF file a process maps, with its build-id. */
struct fleet_module {
	const char *path; /* as the map names it, " (deleted)" included */
	unsigned char id[PATCH_BUILD_ID_MAX];
	size_t id_len;
	bool deleted; /* the file was replaced or removed on disk */
};

/* What the walk found in one process. */
struct fleet_proc {
	pid_t pid;
	const struct fleet_module *mods; /* with a build-id, map order */
	size_t nmods;
	size_t nregions;    /* suture's patch regions it maps */
	const char *unread; /* a mapped file that could not be opened (one
			       replaced on disk, without the privilege to
			       open map_files): it may be any module; NULL
			       if none */
};

/* Processes whose map could not be read (another user's, when not root),
 * and mapped files whose build-id could not be read. */
struct fleet_stats {
	size_t procs, unreadable, files, unknown_files;
};

/* fleet_scan's flags: count the patch regions only, read no build-id
 * (nmods is then 0): a walk for the patched processes alone. */
#define FLEET_REGIONS_ONLY 1u
/* ... or the modules whose code runs only: a file no mapping of which is
 * executable (locale data, a cache, an ELF file read as data) is not
 * opened to read its build-id, and where the kernel can say which files
 * a process maps executable, with their build-ids (fleet/codemaps.h), it
 * is asked instead of the map being read; patch regions are not counted
 * then (nregions 0). */
#define FLEET_CODE_ONLY 2u

/*
 * fleet_scan - call @visit(proc, @arg) for every process but the caller,
 * in PID order, with the modules that have a build-id.  The pointers are
 * valid during the call only.  Fails only if /proc cannot be listed.
 */
int fleet_scan(void (*visit)(const struct fleet_proc *p, void *arg), void *arg,
	       unsigned flags, struct fleet_stats *st, struct error *err);

/* fleet_maps_id - the module of @p whose build-id is @id (@len bytes), or
 * NULL. */
const struct fleet_module *fleet_maps_id(const struct fleet_proc *p,
					 const unsigned char *id, size_t len);

/*
 * fleet_scan_pids - the same for the processes @pids (@n of them), in
 * that order, with fleet_scan's @flags: @visit is called for each whose
 * map can be read.  A file that several of them map (a shell's
 * libraries, up a process tree) has its build-id read once.
 */
void fleet_scan_pids(const pid_t *pids, size_t n, unsigned flags,
		     void (*visit)(const struct fleet_proc *p, void *),
		     void *arg);

#endif
