/*
 * modules.h - the ELF files a process has mapped (its executable and shared
 * libraries), each with its build ID and load bias.
 *
 * Files are opened through /proc/PID/map_files (the very file mapped, even
 * if it was since replaced or deleted on disk) or else through
 * /proc/PID/root, so a rebuilt binary or a container's root does not
 * mislead suture.  They are taken from a cache of open files (modcache.h):
 * the caller's, shared by the processes of one command, or the modules'
 * own.
 */
#ifndef SUTURE_PROCESS_MODULES_H
#define SUTURE_PROCESS_MODULES_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "process/modcache.h"
#include "process/proc.h"
#include "util/buildid.h"
#include "util/error.h"

struct module_dyn; /* dynamic symbols and GOT relocations, see resolve.c */

struct module {
	char *path;	 /* as /proc/PID/maps names it */
	uint64_t lo, hi; /* lowest and highest address of its mappings */
	uint64_t bias;	 /* run-time address minus link-time address */
	unsigned char build_id[BUILD_ID_MAX];
	size_t build_id_len;	    /* 0 if the file has none */
	bool is_main;		    /* the process's executable */
	struct modcache_file *file; /* its open file, in the cache */
	Elf *elf;		    /* file's, borrowed */
	struct module_dyn *dyn;	    /* loaded on demand by resolve.c */
};

struct modules {
	pid_t pid;
	struct module *v; /* in address order */
	size_t n, cap;
	struct modcache *cache; /* where the files are: the caller's, or */
	struct modcache own;	/* these modules' own */
};

/*
 * modules_load - find and open every ELF file mapped by @pid according to
 * @maps.  Files that are not ELF (locale archives, fonts) are skipped.
 * Release with modules_free; until then @out stays where it is (not
 * copied: its files are in its own cache).
 */
int modules_load(pid_t pid, const struct proc_maps *maps, struct modules *out,
		 struct error *err);

/* modules_load_cached - the same, the files taken from and kept in @cache
 * (NULL: none), which must outlive @out. */
int modules_load_cached(pid_t pid, const struct proc_maps *maps,
			struct modcache *cache, struct modules *out,
			struct error *err);
void modules_free(struct modules *mods);

/* modules_main - the executable's module, or NULL. */
struct module *modules_main(struct modules *mods);

/*
 * modules_find_build_id - the module whose build ID is @id.  If none,
 * -ENOENT and a message listing what the process maps instead.
 */
int modules_find_build_id(struct modules *mods, const unsigned char *id,
			  size_t len, struct module **out, struct error *err);

/* modules_hex - @len bytes of @id as lowercase hex into @out, which holds
 * 2 * len + 1 bytes.  Returns @out. */
char *modules_hex(const unsigned char *id, size_t len, char *out);

#endif
