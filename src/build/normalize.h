/*
 * normalize.h - what a relocation refers to, independent of the incidental
 * choices of one compilation.
 *
 * Two builds of the same function differ in many ways that do not matter:
 * string literals land at other offsets of .rodata.str1.1, compiler-made
 * names are numbered differently (CSWTCH.6, .LC2), the assembler turns
 * references to static symbols into section symbol + offset.  A struct ref
 * names the referenced thing so that two references compare equal exactly
 * when they mean the same: functions and variables by name (identity
 * matters), read-only data by content (constants have no identity).
 */
#ifndef SUTURE_BUILD_NORMALIZE_H
#define SUTURE_BUILD_NORMALIZE_H

#include <stdbool.h>
#include <stdint.h>

#include "build/objfile.h"

enum ref_kind {
	REF_UNDEF,  /* an undefined symbol, by name */
	REF_FUNC,   /* a function of this object (the owner symbol) */
	REF_DATA,   /* a writable variable of this object (owner symbol) */
	REF_STR,    /* a string of a SHF_MERGE|SHF_STRINGS section */
	REF_CONST,  /* an entsize item of another SHF_MERGE section */
	REF_RODATA, /* other read-only data: the whole section */
	REF_OTHER,  /* anything else (absolute, non-allocated): section +
		       offset, which a patch cannot carry */
};

struct ref {
	enum ref_kind kind;
	uint32_t sym;	/* UNDEF, FUNC, DATA: index of the (owner) symbol */
	uint32_t shndx; /* the section referred to (not for UNDEF) */
	uint64_t start; /* STR, CONST: offset of the item in its section */
	uint64_t len;	/* STR, CONST: bytes of the item (STR with its NUL) */
	uint64_t align; /* STR, CONST: alignment a copy needs */
	int64_t addend; /* the relocation's addend, made relative to the
			   owner symbol (FUNC, DATA), the item (STR, CONST)
			   or the section (RODATA, OTHER) */
	int64_t bias;	/* addend + bias == 0: the reference is to the
			   start of the thing (a call, not a jump into it) */
	bool tls;	/* thread-local storage */
	bool ifunc;	/* an indirect function (STT_GNU_IFUNC) */
};

/* norm_prepare - index the offsets of @o's read-only data that relocations
 * refer to; call once after loading, before ref_resolve(). */
void norm_prepare(struct objfile *o);

/* ref_resolve - what relocation @r of section @where of @o refers to. */
void ref_resolve(const struct objfile *o, uint32_t where,
		 const struct obj_reloc *r, struct ref *out);

/*
 * ref_equal - whether reference @a of object @ao and @b of @bo mean the
 * same.  RODATA compares the section's bytes and, @shallow, its relocations
 * by section name and offset (no recursion into further read-only data).
 */
bool ref_equal(const struct objfile *ao, const struct ref *a,
	       const struct objfile *bo, const struct ref *b, bool shallow);

/* ref_name - a short human-readable name of @ref ("foo", "string \"x\"",
 * ".rodata.tbl+8"), valid until the next call. */
const char *ref_name(const struct objfile *o, const struct ref *ref);

/*
 * norm_range_equal - whether [@aoff, +@asize) of section @asec of @ao and
 * the same of @bo hold the same bytes and equivalent relocations.  On
 * inequality *diff (if not NULL) gets the first differing offset.
 * @relocs_only skips the byte comparison (relocated fields are compared
 * by their references in any case).
 */
bool norm_range_equal(const struct objfile *ao, uint32_t asec, uint64_t aoff,
		      uint64_t asize, const struct objfile *bo, uint32_t bsec,
		      uint64_t boff, uint64_t bsize, bool relocs_only,
		      uint64_t *diff);

#endif
