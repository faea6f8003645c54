/*
 * ifunc.h - choosing the implementation of an indirect function (IFUNC)
 * that no module of the process imports yet, so that no slot shows the
 * dynamic linker's choice (resolve.h): a patch's first call to glibc's
 * strstr or wcsncmp, say.
 *
 * The choice is made the way the dynamic linker makes it: its resolver
 * runs in the process (rcall.h), called with no arguments as ld.so calls
 * x86-64 resolvers, on the thread stopped to map the patch's region,
 * before any of the patch's code is written.  The result goes where a
 * resolved address goes: into the patch's slot or far-call stub, or a
 * direct call.  glibc's resolvers only read the CPU features ld.so
 * recorded at startup; one that does not return within IFUNC_TIMEOUT_MS
 * or crashes fails the apply, naming the symbol.
 */
#ifndef SUTURE_APPLY_IFUNC_H
#define SUTURE_APPLY_IFUNC_H

#include <stdbool.h>
#include <stdint.h>

#include "patchfile/patch.h"
#include "process/proc.h"
#include "process/rsyscall.h"

#define IFUNC_TIMEOUT_MS 2000

/* ifunc_pending - whether @resolvers (from resolve_symbols, one entry per
 * symbol of @p) names any resolver to run. */
bool ifunc_pending(const struct patch *p, const uint64_t *resolvers);

/*
 * ifunc_resolve - run the resolver of every symbol of @p that @resolvers
 * names, in the process of session @s, and store the implementation it
 * returns in @addrs.  The result must be executable memory of @maps, or
 * the apply fails naming the symbol.
 */
int ifunc_resolve(struct session *s, struct rsys *rs, const struct patch *p,
		  const uint64_t *resolvers, const struct proc_maps *maps,
		  uint64_t *addrs, struct error *err);

#endif
