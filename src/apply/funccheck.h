/*
 * funccheck.h - the functions a patch replaces, checked against the module
 * it patches before the process is touched.
 *
 * A patch file names each replaced function by its link-time address and
 * size, and apply writes a trampoline at that address.  The checksum only
 * says the file is as it was written, not that it was written for this
 * binary by suture build: an address a few bytes into a function would get
 * a jump written over the middle of an instruction.  So every entry must be
 * the start of a function symbol of the module, of that name and size: from
 * the module's own symbol table, else from its debug file where gdb looks
 * for it (dbgfile.h), and its dynamic symbols.
 */
#ifndef SUTURE_APPLY_FUNCCHECK_H
#define SUTURE_APPLY_FUNCCHECK_H

#include "patchfile/patch.h"
#include "process/modules.h"
#include "util/error.h"

/*
 * funccheck - -EINVAL, naming the function, the field, its value and what
 * to do, unless every function of @p starts a function symbol of @mod of
 * its name and old_size; -ENOENT if @mod has no symbol table that could
 * say (stripped, no debug file) and one of them is not among its dynamic
 * symbols.
 */
int funccheck(const struct patch *p, const struct module *mod,
	      struct error *err);

#endif
