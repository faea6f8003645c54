/*
 * dbgfile.h - the separate debug file of a stripped module, for its symbol
 * table (funccheck.h).
 *
 * Found where gdb and `suture build` look: by build id
 * (/usr/lib/debug/.build-id/xx/yyyy.debug), else by the module's
 * .gnu_debuglink next to the module, in its .debug/ directory or under
 * /usr/lib/debug.  Only a file that carries the module's build id counts:
 * another build's symbols would vouch for wrong addresses.
 */
#ifndef SUTURE_APPLY_DBGFILE_H
#define SUTURE_APPLY_DBGFILE_H

#include "process/modules.h"

struct dbgfile {
	char by_id[512]; /* the build-id path, for messages ("" if the
			    module has no build id) */
	int fd;		 /* the file found, or -1 */
	Elf *elf;	 /* NULL if none was found */
};

/* dbgfile_open - look for @mod's debug file; d->elf is NULL if there is
 * none with its build id.  Release with dbgfile_close. */
void dbgfile_open(const struct module *mod, struct dbgfile *d);
void dbgfile_close(struct dbgfile *d);

#endif
