/*
 * overlap.h - the checks of a patch that compare its entries with each
 * other: no two relocations write one byte, no function is listed twice or
 * overlaps another.  Part of patch_validate (validate.h); separate because
 * they sort, where every other check looks at one entry at a time.
 */
#ifndef SUTURE_PATCHFILE_OVERLAP_H
#define SUTURE_PATCHFILE_OVERLAP_H

#include "patchfile/patch.h"
#include "util/error.h"

/* overlap_relocs - -EINVAL if two relocations of @s write overlapping
 * bytes (each writes arch_reloc_width() bytes at its offset). */
int overlap_relocs(const struct patch_section *s, struct error *err);

/* overlap_funcs - -EINVAL if two functions of @p share an address or their
 * old ranges [old_addr, old_addr + old_size) overlap. */
int overlap_funcs(const struct patch *p, struct error *err);

#endif
