/*
 * emittls.h - what a patch may do with thread-local storage (emit.c).
 *
 * Patched code may use the thread-local variables its module already has,
 * through whatever access sequence the compiler chose (local-exec,
 * initial-exec, general- or local-dynamic, TLS descriptors): each becomes
 * a PSYM_TARGET at the variable's offset in the module's TLS block, which
 * apply binds for the process (apply/tls.h).  It may not add thread-local
 * variables, nor use another module's.
 */
#ifndef SUTURE_BUILD_EMITTLS_H
#define SUTURE_BUILD_EMITTLS_H

#include "build/normalize.h"
#include "build/objfile.h"
#include "util/error.h"

/*
 * emittls_check - refuse relocation @r of @o (held by @who, for the
 * message) unless a thread-local reference @ref goes through a TLS
 * relocation type and any other reference through another type.
 */
int emittls_check(const struct objfile *o, const struct obj_reloc *r,
		  const struct ref *ref, const char *who, struct error *err);

/* emittls_new - the refusal of thread-local variable @sym of @o, which the
 * target does not have. */
int emittls_new(const struct objfile *o, uint32_t sym, struct error *err);

/* emittls_foreign - the refusal of undefined thread-local variable
 * @name, which the patched module does not define. */
int emittls_foreign(const char *name, const char *module, struct error *err);

/* emittls_is - whether symbol @sym of @o is thread-local. */
bool emittls_is(const struct objfile *o, uint32_t sym);

#endif
