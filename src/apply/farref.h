/*
 * farref.h - references from a patch's code to other modules that a
 * 32-bit field may not reach (docs/DESIGN.md, "Far references").
 *
 * gcc compiles an executable's access to a library's variable (`stderr`,
 * `environ`, `optind`) as a 32-bit pc-relative or absolute field, counting
 * on the linker to copy the variable into the executable.  The patch has
 * no such copy and the library is usually more than 2 GiB away from the
 * patch, which lies next to the executable.  Such a reference gets its
 * symbol's slot (a GOT entry of the patch) and a thunk right after its
 * function (layout.h); when its field does not fit at link time, the
 * instruction is rewritten to go through the slot (arch_far_rewrite), else
 * it is bound directly.  `suture build` tries the same rewrites on the
 * patch it made (src/build/farcheck.c), to warn about forms apply would
 * refuse.
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

/* A reference to rewrite: its relocation, the run-time address of its
 * symbol's slot, and its thunk's number among its section's candidates. */
struct farref {
	const struct patch_reloc *r;
	uint64_t slot;
	size_t thunk;
};

/*
 * farref_rewrite - rewrite the @n references @refs of section @si of @p,
 * whose fields cannot hold their values, in address order (@refs gets
 * sorted): one instruction may hold two, which are rewritten together.
 * @code is the section's image at run-time address @addr, its other
 * relocations applied; thunk k is at @thunks + k * ARCH_THUNK_MAX, at
 * run-time address @thunks_addr + k * ARCH_THUNK_MAX.  Fails naming the
 * symbol, the place, the instruction and why (not that the reference is
 * out of reach: the caller knows whether it is).
 */
int farref_rewrite(const struct patch *p, size_t si, struct farref *refs,
		   size_t n, unsigned char *code, uint64_t addr,
		   unsigned char *thunks, uint64_t thunks_addr,
		   struct error *err);

#endif
