/*
 * codemaps.h - the files a process runs code from, asked of the kernel.
 *
 * Linux 6.11's PROCMAP_QUERY ioctl on /proc/PID/maps answers one mapping
 * a call, filtered by the kernel (executable and file-backed here), with
 * its file's device, inode and name and the GNU build-id the kernel reads
 * from that file's ELF notes.  For a walk that only asks which modules a
 * process runs code of (the ancestor check, fleet/scan.h's
 * FLEET_CODE_ONLY) it replaces formatting and parsing the whole map and
 * opening every file.  The kernel gives no build-id where it finds none
 * in the program headers it reads (or, before 6.12, when the page is not
 * in memory): the caller reads such a file itself.
 */
#ifndef SUTURE_FLEET_CODEMAPS_H
#define SUTURE_FLEET_CODEMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "process/proc.h"
#include "util/buildid.h"

/* One executable mapping of a file. */
struct codemap {
	struct proc_map m; /* its path allocated; prot has PROT_EXEC */
	unsigned char id[BUILD_ID_MAX];
	size_t id_len; /* 0: the kernel gave none */
};

/*
 * Build-ids known already (from the walk's earlier processes): @find fills
 * @c's id and id_len for the file @c->m maps (its dev and inode) and
 * returns true, or returns false.  Asking the kernel for a build-id costs
 * it a read of the file's notes, about 2.6 µs a mapping here; a chain of
 * shells maps the same few files.
 */
struct codemap_known {
	bool (*find)(void *arg, struct codemap *c);
	void *arg;
};

/*
 * codemaps_read - the executable file mappings of @pid in address order
 * into *@v (*@n of them; release with codemaps_free), each file's
 * build-id from @known (may be NULL) or else from the kernel.  -ENOTTY if
 * the first query fails (the kernel has no PROCMAP_QUERY, or a filter
 * denies it), another -errno if the map cannot be opened or a later query
 * fails: read the map instead.
 */
int codemaps_read(pid_t pid, const struct codemap_known *known,
		  struct codemap **v, size_t *n);
void codemaps_free(struct codemap *v, size_t n);

#endif
