/*
 * resolve.h - run-time addresses of the symbols a patch refers to.
 *
 * PSYM_TARGET symbols are link-time addresses in the patched module: add its
 * bias (a library's exported variable is read from its GOT instead, since
 * the executable may hold the live copy).  PSYM_EXTERN symbols are bound the
 * way the process's dynamic linker bound them, read back from memory: first a
 * GOT slot of a loaded module that imports the name (this follows LD_PRELOAD
 * interposition and the choice of an IFUNC implementation such as strlen), else
 * the default version of a dynamic symbol defined by the executable, then by
 * the libraries in address order.  An IFUNC found so whose choice no slot
 * shows is resolved later, in the process, by its resolver (ifunc.h).
 * PSYM_LOCAL symbols depend on where the patch is placed and are left to
 * link.c.
 */
#ifndef SUTURE_APPLY_RESOLVE_H
#define SUTURE_APPLY_RESOLVE_H

#include <stdint.h>

#include "patchfile/patch.h"
#include "process/modules.h"
#include "process/rmem.h"

/*
 * resolve_symbols - fill @addrs (p->nsymbols entries) with the address of
 * every PSYM_TARGET and PSYM_EXTERN symbol of @p (PSYM_LOCAL entries are
 * set to 0).  @target is the patched module.  A missing weak symbol gets 0;
 * a missing strong one fails, naming it.  @resolvers (as many entries)
 * gets, for an IFUNC left to resolve in the process, the run-time address
 * of its resolver (@addrs then 0), else 0.
 */
int resolve_symbols(const struct patch *p, struct module *target,
		    struct modules *mods, const struct rmem *mem,
		    uint64_t *addrs, uint64_t *resolvers, struct error *err);

/*
 * resolve_dynsym - the run-time address of @name, a default-version
 * dynamic symbol (not an IFUNC) that @mod defines, into *addr: 0 if
 * found, -ENOENT if not.
 */
int resolve_dynsym(struct module *mod, const struct rmem *mem, const char *name,
		   uint64_t *addr);

/*
 * resolve_name - the name of the function at run-time address @addr, as a
 * program importing it would call it, into @buf (@len bytes): the names
 * of the GOT slots of @mods that hold @addr (what a module imports there;
 * for an IRELATIVE slot, the IFUNC whose resolver chose it), then the
 * default-version dynamic symbols defined at @addr by the module holding
 * it.  Of several (aliases: strchr and index), the first that
 * @wanted(name, @ctx) accepts, else the plainest (no leading '_', then the
 * shortest).  For `suture drift`, whose patch code calls a library
 * through a slot or stub of its own.  false if @addr has no name so (an
 * IFUNC choice that no slot shows).  Modules not prepared
 * (resolve_prepare) are not looked at.
 */
bool resolve_name(const struct modules *mods, const struct rmem *mem,
		  uint64_t addr,
		  bool (*wanted)(const char *name, const void *ctx),
		  const void *ctx, char *buf, size_t len);

/* resolve_prepare - read what resolve_name needs of every module of @mods
 * (their dynamic symbols and GOT relocations), once. */
void resolve_prepare(struct modules *mods);

#endif
