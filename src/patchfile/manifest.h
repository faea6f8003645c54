/*
 * manifest.h - the JSON text in a patch file's .suture.manifest section:
 * the patch's name, the build it is bound to, the functions it replaces and
 * the builder's record (docs/FORMAT.md lists every field).
 */
#ifndef SUTURE_PATCHFILE_MANIFEST_H
#define SUTURE_PATCHFILE_MANIFEST_H

#include <stdint.h>

#include "patchfile/patch.h"
#include "util/error.h"

#define MANIFEST_FORMAT 1

/*
 * manifest_encode - the manifest of @p as a new string (caller frees).
 * @elf_index maps a patch symbol index to its index in the file's .symtab.
 */
char *manifest_encode(const struct patch *p, const uint32_t *elf_index);

/*
 * manifest_decode - fill name, build id, target file, functions and info of
 * @p from @text (@len bytes, untrusted).  Function symbols are given as
 * .symtab indices; they become patch indices by subtracting one (the reader
 * keeps the symtab order and drops the null symbol).
 */
int manifest_decode(const char *text, size_t len, struct patch *p,
		    struct error *err);

#endif
