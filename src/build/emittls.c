/* emittls.c - thread-local storage in a patch (emittls.h). */
#include <elf.h>
#include <errno.h>

#include "arch/arch.h"
#include "build/emittls.h"

int emittls_check(const struct objfile *o, const struct obj_reloc *r,
		  const struct ref *ref, const char *who, struct error *err)
{
	bool tls_type = arch_reloc_class(r->type) == ARCH_RELOC_TLS;

	if (ref->tls == tls_type)
		return 0;
	return error_set(err, -ENOTSUP,
			 "%s refers to %s through %s, which %s thread-local "
			 "storage: a patch cannot bind such a reference",
			 who, ref_name(o, ref), arch_reloc_name(r->type),
			 tls_type ? "is for" : "is not for");
}

/*
 * Every thread's block was sized and filled from the module's TLS image
 * when the thread started (and so were the blocks of threads started
 * later, from the image on disk): there is no room for a new variable in
 * any of them, and the image cannot grow.
 */
int emittls_new(const struct objfile *o, uint32_t sym, struct error *err)
{
	return error_set(err, -ENOTSUP,
			 "the patch adds thread-local variable %s (%s): a "
			 "live patch cannot add thread-local storage, since "
			 "the TLS block of every thread was laid out when "
			 "the module was loaded; keep the new state in an "
			 "existing thread-local variable or in ordinary "
			 "memory, or make this change at the next restart",
			 o->syms[sym].name, o->key);
}

int emittls_foreign(const char *name, const char *module, struct error *err)
{
	return error_set(err, -ENOTSUP,
			 "the patch uses thread-local variable %s, which %s "
			 "does not define: a patch can use only the "
			 "thread-local variables of the module it patches",
			 name, module);
}

bool emittls_is(const struct objfile *o, uint32_t sym)
{
	const struct obj_symbol *y = &o->syms[sym];

	return y->type == STT_TLS ||
	       (y->shndx < o->nsecs && (o->secs[y->shndx].flags & SHF_TLS));
}
