/*
 * farref.h - references from a patch's code to other modules that a
 * 32-bit field may not reach (docs/DESIGN.md, "Far references").
 *
 * gcc compiles an executable's access to a library's variable (`stderr`,
 * `environ`, `optind`) as a 32-bit pc-relative or absolute field, counting
 * on the linker to copy the variable into the executable.  The patch has
 * no such copy and the library is usually more than 2 GiB away from the
 * patch, which lies next to the executable.  Such a reference gets its
 * symbol's slot (a GOT entry of the patch, layout.h) and a thunk; when its
 * field does not fit at link time, the instruction is rewritten to go
 * through the slot (arch_far_rewrite), else it is bound directly.
 */
#ifndef SUTURE_APPLY_FARREF_H
#define SUTURE_APPLY_FARREF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patchfile/patch.h"
#include "util/error.h"

/* farref_candidate - whether relocation @r of section @si of @p may need a
 * slot and a thunk: a 32-bit data reference from code to a symbol of
 * another module (PSYM_EXTERN). */
bool farref_candidate(const struct patch *p, size_t si,
		      const struct patch_reloc *r);

/* A reference of section @si that farref_bind rewrites: its relocation
 * and the run-time address of its symbol's slot. */
struct farref {
	const struct patch_reloc *r;
	uint64_t slot;
};

/*
 * farref_bind - rewrite the instruction holding reference @refs[0] of
 * section @si, whose field cannot hold its value, to reach the symbol
 * through its slot, with the thunk at @thunk (run-time address
 * @thunk_addr, ARCH_THUNK_MAX bytes) if it needs one.  @refs[1], if its r
 * is not NULL, is the next such reference: if the same instruction holds
 * it, it is rewritten too.  @code is the section's image at run-time
 * address @addr.  *@n gets how many of @refs it took.  Fails naming the
 * symbol, the place and why.
 */
int farref_bind(const struct patch *p, size_t si, const struct farref refs[2],
		unsigned char *code, uint64_t addr, unsigned char *thunk,
		uint64_t thunk_addr, size_t *n, struct error *err);

#endif
