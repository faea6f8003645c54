/*
 * tls.h - binding a patch's references to thread-local variables of the
 * module it patches.
 *
 * A reference names the variable by its offset in the module's TLS block
 * (its PSYM_TARGET value) and keeps the access sequence the compiler chose
 * (arch_reloc_tls()).  What each sequence needs comes from the process:
 *
 *   - the module id, for general- and local-dynamic code, which passes a
 *     {module id, offset} pair in the patch region to __tls_get_addr;
 *   - where the module's block lies in static TLS (glibc's l_tls_offset),
 *     for local-exec, initial-exec and TLS descriptor code, which add an
 *     offset to the thread pointer.  A library dlopen()ed with its TLS
 *     in dynamic TLS has no such offset: each thread's block is allocated
 *     on its first use, anywhere.  Such code is refused there.
 *
 * Both are the dynamic linker's private fields of the module's struct
 * link_map, read at the offsets glibc publishes for libthread_db (the
 * _thread_db_link_map_* descriptions in libc.so.6), and verified through
 * libthread_db for every thread: td_thr_tlsbase() for that module id and
 * td_thr_tls_get_addr() for that link_map must give the same block, which
 * for static TLS must lie at that offset below the thread's pointer.
 */
#ifndef SUTURE_APPLY_TLS_H
#define SUTURE_APPLY_TLS_H

#include <stdbool.h>
#include <stdint.h>

#include "patchfile/patch.h"
#include "process/modules.h"
#include "process/rmem.h"
#include "util/error.h"

/* The patched module's thread-local storage in the process. */
struct tls_module {
	uint64_t modid;	 /* the dynamic linker's module id */
	bool is_static;	 /* its block is in static TLS ... */
	uint64_t offset; /* ... at thread pointer - offset (variant II) */
	size_t nthreads; /* threads whose block was verified */
};

/* Where a patch's TLS slots lie in its region (layout.h), and the facts
 * they are filled from. */
struct tls_layout {
	bool used;	    /* the patch has TLS relocations */
	uint64_t *tp_off;   /* per symbol: slot holding its offset from the
			       thread pointer (initial-exec), or
			       LAYOUT_NONE */
	uint64_t *gd_off;   /* per symbol: {module id, offset} pair */
	uint64_t *desc_off; /* per symbol: TLS descriptor */
	uint64_t ld_off;    /* {module id, 0}, for local-dynamic code */
	uint64_t fn_off;    /* the static TLS descriptor function */
	struct tls_module mod;
};

/*
 * tls_plan - reserve, from *pos on in the region's text part, the slots
 * @p's TLS relocations need.  Release with tls_layout_free.
 */
void tls_plan(const struct patch *p, struct tls_layout *t, uint64_t *pos);
void tls_layout_free(struct tls_layout *t);

/*
 * tls_probe - if @t is used, fill t->mod for module @target of the
 * process, checked as explained above.  A module without TLS, one the
 * dynamic linker does not list, or any disagreement fails, saying why.
 */
int tls_probe(struct tls_layout *t, struct modules *mods, struct module *target,
	      const struct rmem *mem, struct error *err);

/*
 * tls_link - fill the slots in @image (the region at @base) and check
 * that every TLS relocation of @p can be bound in this process: to a
 * variable of the module, with a static-TLS form only if the module's
 * block is in static TLS.
 */
int tls_link(const struct patch *p, const struct tls_layout *t, uint64_t base,
	     unsigned char *image, struct error *err);

/* tls_value - the value TLS relocation @r of @p wants (arch.h), given the
 * region at @base. */
uint64_t tls_value(const struct patch *p, const struct tls_layout *t,
		   uint64_t base, const struct patch_reloc *r);

#endif
