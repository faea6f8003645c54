/*
 * procsvc.h - the proc_service callbacks libthread_db calls (glibc's
 * <proc_service.h>), over a process's memory and modules.
 *
 * libthread_db reads a process through its client: memory through
 * /proc/PID/mem (rmem.h), and the addresses of the _thread_db_* and
 * other symbols libc and the dynamic linker export, from the modules'
 * dynamic symbol tables (resolve.h), or a static program's symbol table.  It
 * never needs a thread's registers here: suture walks the thread list rather
 * than mapping a thread id to its descriptor, and it writes nothing.
 */
#ifndef SUTURE_APPLY_PROCSVC_H
#define SUTURE_APPLY_PROCSVC_H

#include <proc_service.h>
#include <sys/types.h>

#include "process/modules.h"
#include "process/rmem.h"

struct ps_prochandle {
	pid_t pid;
	struct modules *mods;
	const struct rmem *mem;
};

/* procsvc_lookup - the address of dynamic symbol @name of the module
 * whose file is named @object (its base name; NULL: any module); in a
 * statically linked program (its only module), of symbol @name of its
 * symbol table. */
int procsvc_lookup(struct ps_prochandle *ph, const char *object,
		   const char *name, uint64_t *addr);

#endif
