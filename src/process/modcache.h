/*
 * modcache.h - the ELF files of modules, opened once for every process a
 * command works on.
 *
 * `suture apply PID,PID,...` looks at processes that mostly run the same
 * files: the program, libc, the dynamic linker.  Opening each file again
 * for each process (through its /proc/PID/map_files), mapping it, reading
 * its headers and build ID, and unmapping it at the end, is the same work
 * every time, as is the unwinder's look at its headers (safety.h).  The
 * cache keeps each file open from its first process to the end of the
 * command (or of a worker of it: cli/fanout.c forks, each worker has its
 * own cache), by the identity the kernel gives the mapping: the device and
 * inode numbers of /proc/PID/maps.
 *
 * Why that is sound: two mappings with the same device and inode are the
 * same file, and while the cache holds it open the inode cannot be freed
 * and its number reused for another file.  A file written in place since
 * it was opened (its size, modification or status-change time differs,
 * checked by fstat at each reuse) is opened again, as a process that
 * started after the write would see it.  What the modules of a process
 * take from the cache is what modules_load would have read from the file
 * itself; the bias, which depends on where the process mapped the file,
 * is computed for each process.
 */
#ifndef SUTURE_PROCESS_MODCACHE_H
#define SUTURE_PROCESS_MODCACHE_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "process/proc.h"
#include "util/buildid.h"

/* One open file. */
struct modcache_file {
	uint64_t dev, ino; /* as /proc/PID/maps gives them: the key */
	struct stat st;	   /* fstat when opened: a change means reopen */
	int fd;
	Elf *elf; /* ELF_C_READ_MMAP; NULL if not an ELF file of this
		     architecture (it is not looked at again) */
	unsigned char build_id[BUILD_ID_MAX];
	size_t build_id_len; /* 0 if the file has none */
	unsigned refs;	     /* modules using it now */
};

struct modcache {
	struct modcache_file **v;
	size_t n, cap;
};

/*
 * modcache_get - the file that mapping @m of @pid maps, opened now (the
 * mapped inode: proc_map_open) or the cache's if it holds that file
 * unchanged.  0 and *@out (one more reference; release it with
 * modcache_put), or a negative errno if the file cannot be opened.
 */
int modcache_get(struct modcache *c, pid_t pid, const struct proc_map *m,
		 struct modcache_file **out);

/*
 * modcache_not_elf - whether @c opened the file mapping @m maps (the same
 * device and inode) and found it no ELF file of this architecture: locale
 * data, a cache file.  Nothing is opened or checked again; false when @c
 * does not know the file.
 */
bool modcache_not_elf(const struct modcache *c, const struct proc_map *m);

/* modcache_put - one reference less to @f, which stays open in @c. */
void modcache_put(struct modcache_file *f);

/* modcache_free - close every file; none may be referenced any more. */
void modcache_free(struct modcache *c);

#endif
