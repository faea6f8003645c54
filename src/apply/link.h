/*
 * link.h - binding a patch's code to the place layout.c chose: the image
 * of the region as it will be in the target, every relocation applied.
 */
#ifndef SUTURE_APPLY_LINK_H
#define SUTURE_APPLY_LINK_H

#include <stdint.h>

#include "apply/layout.h"
#include "patchfile/patch.h"

/*
 * link_symbol_addr - the run-time address of symbol @i of @p: for
 * PSYM_LOCAL the region's base plus its section's offset and its value,
 * for the others @resolved[i] (from resolve_symbols).
 */
uint64_t link_symbol_addr(const struct patch *p, const struct layout *l,
			  const uint64_t *resolved, uint32_t i);

/*
 * link_image - build the region's bytes in @image (l->size bytes): copy the
 * sections, fill GOT slots and stubs, apply every relocation.  The record
 * part is left zero for the caller.  A relocation that does not fit fails,
 * naming its symbol and section.
 */
int link_image(const struct patch *p, const struct layout *l,
	       const uint64_t *resolved, unsigned char *image,
	       struct error *err);

#endif
