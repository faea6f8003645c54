/*
 * normalize.c - resolving and comparing relocation targets (normalize.h).
 *
 * A relocation names a symbol and an addend.  What it refers to is found
 * as follows:
 *
 *   1. undefined symbol: its name;
 *   2. read-only data (allocated, neither executable nor writable), named or
 *      not: its content.  For pc-relative types the field is followed by
 *      the rest of the instruction, typically 4 bytes, so the referenced
 *      offset is value + addend + 4;
 *   3. a named function or variable: its name;
 *   4. a section symbol or a local label in code or writable data: the
 *      function or variable owning that spot (with -ffunction-sections and
 *      -fdata-sections, the one symbol of the section).
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "build/normalize.h"
#include "util/xalloc.h"

/* Bytes past the field that pc-relative references usually skip. */
#define PCREL_BIAS 4

static bool ref_named(const struct obj_symbol *y)
{
	return (y->type == STT_FUNC || y->type == STT_OBJECT ||
		y->type == STT_TLS || y->type == STT_GNU_IFUNC) &&
	       y->name[0] && strncmp(y->name, ".L", 2);
}

/* Length of the string of @s at @off in units of @unit, NUL included. */
static uint64_t ref_strlen(const struct obj_section *s, uint64_t off,
			   uint64_t unit)
{
	static const unsigned char zero[16];
	uint64_t n = off;

	if (unit == 0 || unit > sizeof(zero))
		unit = 1;
	while (n + unit <= s->size && memcmp(s->data + n, zero, unit))
		n += unit;
	return n + unit <= s->size ? n + unit - off : s->size - off;
}

/* Whether a variable of section @shndx covers offset @off. */
static bool ref_in_object(const struct objfile *o, uint32_t shndx, uint64_t off)
{
	for (size_t i = 0; i < o->nsyms; i++) {
		const struct obj_symbol *y = &o->syms[i];

		if (y->shndx == shndx && y->type == STT_OBJECT &&
		    off >= y->value && off < y->value + y->size)
			return true;
	}
	return false;
}

/*
 * An anonymous constant in a section that is not mergeable (string
 * literals and floating-point constants at -O0 all go to .rodata): the
 * object does not say where it ends, only that it ends by the next offset
 * anything in the object refers to (norm_prepare).  Those bytes are its
 * extent, copied whole into a patch; the alignment padding they may end
 * with is left out when two are compared (ref_same_bytes).  False when a
 * named variable covers the offset or the bytes hold relocations: then the
 * whole section counts.
 */
static bool ref_anonymous(const struct objfile *o, uint32_t shndx, uint64_t off,
			  struct ref *out)
{
	const struct obj_section *s = &o->secs[shndx];
	uint64_t end = s->size;
	size_t first;

	if (ref_in_object(o, shndx, off))
		return false;
	for (size_t i = 0; i < s->ncuts; i++)
		if (s->cuts[i] > off) {
			end = s->cuts[i];
			break;
		}
	if (obj_relocs_in(o, shndx, off, end - off, &first))
		return false;
	out->kind = REF_CONST;
	out->start = off;
	out->len = end - off;
	out->align = s->align;
	while (out->align > 1 && off % out->align)
		out->align /= 2;
	return true;
}

/* Rule 2: read-only data by content. */
static void ref_rodata(const struct objfile *o, const struct obj_symbol *y,
		       const struct obj_reloc *r, int64_t bias, struct ref *out)
{
	const struct obj_section *s = &o->secs[y->shndx];
	int64_t off = (int64_t)y->value + r->addend + bias;
	bool in;

	/* In a mergeable section the assembler keeps the label of each item
	 * (.LC0, .L.str.3), so a symbol other than the section's marks the
	 * start of the item.  This also covers relative tables in data
	 * (.long .L.str.3 - table), whose addends say nothing about the
	 * item. */
	if ((s->flags & SHF_MERGE) && y->type != STT_SECTION)
		off = (int64_t)y->value;
	in = s->data && off >= 0 && (uint64_t)off < s->size;

	if (in && (s->flags & SHF_MERGE) && (s->flags & SHF_STRINGS)) {
		out->kind = REF_STR;
		out->start = (uint64_t)off;
		out->len = ref_strlen(s, out->start, s->entsize);
		out->align = s->entsize ? s->entsize : 1;
	} else if (in && (s->flags & SHF_MERGE) && s->entsize) {
		out->kind = REF_CONST;
		out->start = (uint64_t)off - (uint64_t)off % s->entsize;
		out->len = s->entsize;
		out->align = s->entsize;
	} else if (!(in && ref_anonymous(o, y->shndx, (uint64_t)off, out))) {
		out->kind = REF_RODATA;
		out->start = 0;
		out->len = s->size;
	}
	out->addend = (int64_t)y->value + r->addend - (int64_t)out->start;
}

/* Rules 3 and 4: a function or variable of this object. */
static void ref_owned(const struct objfile *o, const struct obj_reloc *r,
		      int64_t bias, struct ref *out)
{
	const struct obj_symbol *y = &o->syms[r->sym];
	const struct obj_section *s = &o->secs[y->shndx];
	int owner =
	    ref_named(y)
		? (int)r->sym
		: obj_owner(o, y->shndx, (int64_t)y->value + r->addend + bias);

	if (owner < 0) {
		out->kind = REF_OTHER;
		out->addend = (int64_t)y->value + r->addend;
		return;
	}
	out->kind = obj_sec_exec(s) ? REF_FUNC : REF_DATA;
	out->sym = (uint32_t)owner;
	out->addend =
	    (int64_t)y->value + r->addend - (int64_t)o->syms[owner].value;
	out->ifunc = o->syms[owner].type == STT_GNU_IFUNC;
}

/*
 * How far past S + A the referenced spot of a pc-relative relocation lies.
 * In code, the field is followed by the rest of the instruction, typically
 * 4 bytes.  In data, pc-relative fields form relative tables (jump tables,
 * clang's reltables: .long target - table), whose addend grows by the
 * field's distance from the table start.
 */
static int64_t ref_bias(const struct objfile *o, uint32_t where,
			const struct obj_reloc *r)
{
	int table;

	if (!arch_reloc_pcrel(r->type))
		return 0;
	if (where >= o->nsecs || obj_sec_exec(&o->secs[where]))
		return PCREL_BIAS;
	table = obj_owner(o, where, (int64_t)r->offset);
	return -(int64_t)(r->offset - (table >= 0 ? o->syms[table].value : 0));
}

void ref_resolve(const struct objfile *o, uint32_t where,
		 const struct obj_reloc *r, struct ref *out)
{
	const struct obj_symbol *y = &o->syms[r->sym];
	int64_t bias = ref_bias(o, where, r);

	memset(out, 0, sizeof(*out));
	out->sym = r->sym;
	out->bias = bias;
	out->shndx = y->shndx;
	out->addend = r->addend;
	out->tls = y->type == STT_TLS;
	out->ifunc = y->type == STT_GNU_IFUNC;
	if (y->shndx == SHN_UNDEF) {
		out->kind = REF_UNDEF;
	} else if (y->shndx == SHN_COMMON) {
		out->kind = REF_DATA;
	} else if (y->shndx >= o->nsecs) {
		out->kind = REF_OTHER; /* SHN_ABS and friends */
		out->addend = (int64_t)y->value + r->addend;
	} else {
		const struct obj_section *s = &o->secs[y->shndx];

		out->tls = out->tls || (s->flags & SHF_TLS);
		if (obj_sec_rodata(s))
			ref_rodata(o, y, r, bias, out);
		else if (obj_sec_exec(s) || obj_sec_data(s))
			ref_owned(o, r, bias, out);
		else {
			out->kind = REF_OTHER;
			out->addend = (int64_t)y->value + r->addend;
		}
	}
}

static bool norm_range(const struct objfile *ao, uint32_t asec, uint64_t aoff,
		       uint64_t asize, const struct objfile *bo, uint32_t bsec,
		       uint64_t boff, uint64_t bsize, bool relocs_only,
		       bool nested, uint64_t *diff);

static int cut_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Record in @s->cuts that offset @off of it is referred to. */
static void norm_add_cut(struct obj_section *s, int64_t off)
{
	if (off < 0 || (uint64_t)off >= s->size)
		return;
	s->cuts = xrealloc(s->cuts, (s->ncuts + 1) * sizeof(*s->cuts));
	s->cuts[s->ncuts++] = (uint64_t)off;
}

void norm_prepare(struct objfile *o)
{
	for (uint32_t w = 0; w < o->nsecs; w++) {
		const struct obj_section *from = &o->secs[w];

		for (size_t i = 0; i < from->nrelocs; i++) {
			const struct obj_reloc *r = &from->relocs[i];
			const struct obj_symbol *y = &o->syms[r->sym];
			struct obj_section *to;

			if (y->shndx == SHN_UNDEF || y->shndx >= o->nsecs)
				continue;
			to = &o->secs[y->shndx];
			if (obj_sec_rodata(to) && !(to->flags & SHF_MERGE))
				norm_add_cut(to, (int64_t)y->value + r->addend +
						     ref_bias(o, w, r));
		}
	}
	for (uint32_t i = 0; i < o->nsecs; i++)
		qsort(o->secs[i].cuts, o->secs[i].ncuts, sizeof(uint64_t),
		      cut_cmp);
}

static const char *ref_secname(const struct objfile *o, uint32_t shndx)
{
	return shndx < o->nsecs ? o->secs[shndx].name : "*ABS*";
}

/* @len bytes at @p less the zero bytes they end with. */
static uint64_t ref_unpadded(const unsigned char *p, uint64_t len)
{
	while (len && !p[len - 1])
		len--;
	return len;
}

/*
 * Strings compare with their NUL, other constants without the zero bytes
 * they end with.  An anonymous constant's extent (ref_anonymous) runs to
 * the next referenced offset, so it takes in the padding before an aligned
 * neighbour, which comes and goes with that neighbour.  Ignoring trailing
 * zeros is sound: where the two extents differ, one of them has ended, and
 * code that read there would read past its own constant in that build;
 * every byte either build's code can read inside its constant is compared.
 * Items of mergeable sections have equal lengths, for which this is plain
 * equality.
 */
static bool ref_same_bytes(const struct objfile *ao, const struct ref *a,
			   const struct objfile *bo, const struct ref *b)
{
	const unsigned char *x = ao->secs[a->shndx].data;
	const unsigned char *y = bo->secs[b->shndx].data;
	uint64_t alen = a->len, blen = b->len;

	if (!x || !y)
		return false;
	x += a->start;
	y += b->start;
	if (a->kind == REF_CONST) {
		alen = ref_unpadded(x, alen);
		blen = ref_unpadded(y, blen);
	}
	return alen == blen && !memcmp(x, y, alen);
}

/*
 * Variables are the same when their names are.  GCC's function-local
 * statics (n.0, n.1) are renumbered when another function of the file gains
 * one, so for those the name without the number counts; a function can
 * only name its own local static, so this does not confuse two variables
 * (pair.c binds each to the right one).
 */
static bool ref_same_variable(const struct obj_symbol *a,
			      const struct obj_symbol *b)
{
	const char *da = strrchr(a->name, '.'), *db = strrchr(b->name, '.');

	if (!strcmp(a->name, b->name))
		return true;
	if (a->bind != STB_LOCAL || b->bind != STB_LOCAL || !da || !db ||
	    da - a->name != db - b->name ||
	    strncmp(a->name, b->name, (size_t)(da - a->name)))
		return false;
	return strspn(da + 1, "0123456789") == strlen(da + 1) && da[1] &&
	       strspn(db + 1, "0123456789") == strlen(db + 1) && db[1];
}

bool ref_equal(const struct objfile *ao, const struct ref *a,
	       const struct objfile *bo, const struct ref *b, bool shallow)
{
	if (a->kind != b->kind || a->addend != b->addend || a->tls != b->tls)
		return false;
	switch (a->kind) {
	case REF_DATA:
		return ref_same_variable(&ao->syms[a->sym], &bo->syms[b->sym]);
	case REF_UNDEF:
	case REF_FUNC:
		return !strcmp(ao->syms[a->sym].name, bo->syms[b->sym].name);
	case REF_STR:
	case REF_CONST:
		return ref_same_bytes(ao, a, bo, b);
	case REF_RODATA:
		if (shallow)
			return !strcmp(ref_secname(ao, a->shndx),
				       ref_secname(bo, b->shndx));
		return norm_range(ao, a->shndx, 0, a->len, bo, b->shndx, 0,
				  b->len, false, true, NULL);
	case REF_OTHER:
		return !strcmp(ref_secname(ao, a->shndx),
			       ref_secname(bo, b->shndx));
	}
	return false;
}

const char *ref_name(const struct objfile *o, const struct ref *ref)
{
	static char buf[160];

	switch (ref->kind) {
	case REF_UNDEF:
	case REF_FUNC:
	case REF_DATA:
		return o->syms[ref->sym].name;
	case REF_STR:
		snprintf(buf, sizeof(buf), "string \"%.60s\"",
			 (const char *)o->secs[ref->shndx].data + ref->start);
		return buf;
	default:
		snprintf(buf, sizeof(buf), "%s+%#llx",
			 ref_secname(o, ref->shndx),
			 (unsigned long long)ref->addend);
		return buf;
	}
}

/* Compare bytes, treating a section without data (.bss) as zeros. */
static bool norm_bytes_equal(const unsigned char *a, const unsigned char *b,
			     uint64_t n, uint64_t *diff)
{
	for (uint64_t i = 0; i < n; i++)
		if ((a ? a[i] : 0) != (b ? b[i] : 0)) {
			*diff = i;
			return false;
		}
	return true;
}

/* The relocation lists of two ranges; @shallow is for nested rodata. */
static bool norm_relocs_equal(const struct objfile *ao, uint32_t asec,
			      uint64_t aoff, uint64_t size,
			      const struct objfile *bo, uint32_t bsec,
			      uint64_t boff, bool shallow, uint64_t *diff)
{
	size_t af, bf;
	size_t an = obj_relocs_in(ao, asec, aoff, size, &af);
	size_t bn = obj_relocs_in(bo, bsec, boff, size, &bf);
	const struct obj_reloc *ar = ao->secs[asec].relocs + af;
	const struct obj_reloc *br = bo->secs[bsec].relocs + bf;

	for (size_t i = 0; i < an && i < bn; i++) {
		struct ref x, y;

		*diff = ar[i].offset - aoff;
		if (ar[i].offset - aoff != br[i].offset - boff ||
		    ar[i].type != br[i].type)
			return false;
		ref_resolve(ao, asec, &ar[i], &x);
		ref_resolve(bo, bsec, &br[i], &y);
		if (!ref_equal(ao, &x, bo, &y, shallow))
			return false;
	}
	*diff = an < bn ? (an ? ar[an - 1].offset - aoff : 0)
			: (bn ? br[bn - 1].offset - boff : 0);
	return an == bn;
}

/*
 * The ranges' bytes and relocations; relocations to read-only data compare
 * by content unless @nested (already inside read-only data), which keeps
 * the comparison from recursing through tables of tables.
 */
static bool norm_range(const struct objfile *ao, uint32_t asec, uint64_t aoff,
		       uint64_t asize, const struct objfile *bo, uint32_t bsec,
		       uint64_t boff, uint64_t bsize, bool relocs_only,
		       bool nested, uint64_t *diff)
{
	const unsigned char *a = ao->secs[asec].data;
	const unsigned char *b = bo->secs[bsec].data;
	uint64_t where = 0;
	bool eq;

	if (asize != bsize) {
		where = asize < bsize ? asize : bsize;
		eq = false;
	} else {
		eq = relocs_only ||
		     norm_bytes_equal(a ? a + aoff : NULL, b ? b + boff : NULL,
				      asize, &where);
		eq = eq && norm_relocs_equal(ao, asec, aoff, asize, bo, bsec,
					     boff, nested, &where);
	}
	if (!eq && diff)
		*diff = where;
	return eq;
}

bool norm_range_equal(const struct objfile *ao, uint32_t asec, uint64_t aoff,
		      uint64_t asize, const struct objfile *bo, uint32_t bsec,
		      uint64_t boff, uint64_t bsize, bool relocs_only,
		      uint64_t *diff)
{
	return norm_range(ao, asec, aoff, asize, bo, bsec, boff, bsize,
			  relocs_only, false, diff);
}
