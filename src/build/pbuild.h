/*
 * pbuild.h - assembling a struct patch piece by piece: sections, symbols
 * (deduplicated), relocations, replaced functions, and pools that collect
 * private copies of string literals and merged constants.
 *
 * Indices returned stay valid; pointers into the patch's arrays do not
 * (they grow).
 */
#ifndef SUTURE_BUILD_PBUILD_H
#define SUTURE_BUILD_PBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patchfile/patch.h"

/* A pool of constants copied into one patch section. */
struct pbuild_pool {
	const char *name; /* section name */
	int64_t sec;	  /* patch section, -1 until the first item */
	uint32_t sym;	  /* symbol at its start */
};

struct pbuild {
	struct patch *p;
	size_t sec_cap, sym_cap, func_cap;
	size_t *reloc_cap; /* per section */
	struct pbuild_pool strings, consts;
};

/* pbuild_init - start an empty patch (owned by @b until taken). */
void pbuild_init(struct pbuild *b);
/* pbuild_take - the finished patch; @b is left empty. */
struct patch *pbuild_take(struct pbuild *b);
void pbuild_free(struct pbuild *b);

/* pbuild_section - add a section; copies @size bytes of @data unless
 * @nobits or @data is NULL (then zeros).  Returns its index. */
uint32_t pbuild_section(struct pbuild *b, const char *name, uint32_t flags,
			bool nobits, uint64_t align, uint64_t size,
			const unsigned char *data);

/* pbuild_symbol - the index of a symbol equal to @y, added if new (the
 * name is copied). */
uint32_t pbuild_symbol(struct pbuild *b, const struct patch_symbol *y);

void pbuild_reloc(struct pbuild *b, uint32_t sec, uint64_t offset,
		  uint32_t type, uint32_t sym, int64_t addend);

/* pbuild_func - record a replaced function (strings are copied). */
void pbuild_func(struct pbuild *b, const char *name, const char *file,
		 uint64_t old_addr, uint64_t old_size, uint64_t pad,
		 uint32_t new_symbol, uint32_t flags);

/*
 * pbuild_pool_add - a copy of @len bytes at @align in pool @pool (reusing
 * an identical earlier item).  Returns the offset from the pool symbol
 * (*sym).
 */
uint64_t pbuild_pool_add(struct pbuild *b, struct pbuild_pool *pool,
			 const unsigned char *bytes, uint64_t len,
			 uint64_t align, uint32_t *sym);

#endif
