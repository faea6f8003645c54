/*
 * patchfile.h - storing a struct patch in a file (docs/FORMAT.md).
 *
 * A patch file is an ELF relocatable object that readelf and objdump can
 * read, followed by a 16-byte trailer holding a CRC-32 of every byte before
 * it.  The reader treats the file as hostile: it checks the trailer before
 * parsing anything, then bounds-checks every offset, size and index, so a
 * struct patch it returns satisfies the invariants listed below.
 */
#ifndef SUTURE_PATCHFILE_PATCHFILE_H
#define SUTURE_PATCHFILE_PATCHFILE_H

#include "patchfile/patch.h"
#include "util/error.h"

/* Largest section a patch may carry; far above any real fix. */
#define PATCHFILE_SECTION_MAX (256u << 20)
/* Largest patch file suture reads: the same bound for the whole file (a
 * real patch is kilobytes). */
#define PATCHFILE_MAX PATCHFILE_SECTION_MAX

/*
 * patchfile_write - serialise @p into @path (written atomically).
 */
int patchfile_write(const struct patch *p, const char *path, struct error *err);

/*
 * patchfile_read - read @path, verify its checksum, parse and validate it.
 * @path must be a regular file of at most PATCHFILE_MAX bytes (a FIFO or a
 * device is refused at once, not read).
 * On success *out is a new patch the caller releases with patch_free().
 *
 * A returned patch guarantees: name passes patch_name_valid(); 1..64-byte
 * build id; at least one function; every section's align is a power of two
 * <= 4096 and size <= PATCHFILE_SECTION_MAX; data is non-NULL exactly when
 * !nobits; every relocation's symbol index is < nsymbols, its type is one
 * arch_reloc_class() supports, and offset + arch_reloc_width(type) <= size;
 * every PSYM_LOCAL symbol's section exists and value <= its size; every
 * function's new_symbol is a PSYM_LOCAL function and, unless PFUNC_PART,
 * old_size + pad >= arch_trampoline_len(), with pad 0 unless old_size
 * alone is too short, and at most PATCH_PAD_MAX.
 */
int patchfile_read(const char *path, struct patch **out, struct error *err);

/* patchfile_parse - the same, from bytes in memory (@buf is not kept). */
int patchfile_parse(const unsigned char *buf, size_t len, struct patch **out,
		    struct error *err);

#endif
