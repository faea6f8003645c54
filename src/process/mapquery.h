/*
 * mapquery.h - the map of a process by the PROCMAP_QUERY ioctl of
 * /proc/PID/maps (Linux 6.11), for the scan in a stop: no text to write
 * and parse, and no path of a file mapping looked up.
 *
 * The kernel writes the text of /proc/PID/maps line by line, each file
 * mapping's path made by d_path: for a small process that was a third of
 * the switch stop's scan.  The ioctl answers one mapping a call with the
 * same bounds, protection, offset, device and inode; its name is asked
 * only of mappings without a file, where it is what tells [heap],
 * [stack], [vdso] and [anon:NAME] from plain anonymous memory.  A file
 * mapping is named by its device, inode and offset instead.
 *
 * The ioctl's values as the kernel's uapi <linux/fs.h> defines them, for
 * C libraries whose headers predate it (Debian 12's), here for every user
 * of the ioctl (fleet/codemaps.c too).
 */
#ifndef SUTURE_PROCESS_MAPQUERY_H
#define SUTURE_PROCESS_MAPQUERY_H

#include <linux/fs.h>
#include <linux/types.h>
#include <sys/ioctl.h>

#include "process/proc.h"

#ifndef PROCMAP_QUERY
#define PROCMAP_QUERY_VMA_READABLE	   0x01
#define PROCMAP_QUERY_VMA_WRITABLE	   0x02
#define PROCMAP_QUERY_VMA_EXECUTABLE	   0x04
#define PROCMAP_QUERY_VMA_SHARED	   0x08
#define PROCMAP_QUERY_COVERING_OR_NEXT_VMA 0x10
#define PROCMAP_QUERY_FILE_BACKED_VMA	   0x20

struct procmap_query {
	__u64 size, query_flags, query_addr;	/* in */
	__u64 vma_start, vma_end, vma_flags;	/* out */
	__u64 vma_page_size, vma_offset, inode; /* out */
	__u32 dev_major, dev_minor;		/* out */
	__u32 vma_name_size, build_id_size;	/* in/out */
	__u64 vma_name_addr, build_id_addr;	/* in */
};

#define PROCMAP_QUERY _IOWR('f', 17, struct procmap_query)
#endif

/*
 * proc_maps_query - the map of the process whose /proc/PID/maps is open
 * as @fd, into @m (zeroed or freed), as proc_maps_read gives it but for
 * two things: a file mapping's path is "" (its dev, inode and offset name
 * it), and the kernel's gate page [vsyscall], no mapping of the process,
 * is not listed.  Only for a process whose threads are all stopped: each
 * call answers one mapping, and a program running between two could
 * change the map under them.  0, -ENOTTY before Linux 6.11 (then read the
 * text), or another negative errno with a message naming @pid.
 */
int proc_maps_query(int fd, pid_t pid, struct proc_maps *m, struct error *err);

#endif
