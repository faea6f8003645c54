/*
 * refcheck.c - does the rebuilt function refer to what the target's does?
 *
 * verify.c compares instructions with the relocated fields masked, since
 * they hold addresses only the linker knows.  That leaves out what those
 * addresses lead to: a `main` that prints another version string, from a
 * header upgraded since the binary was built, has the very same
 * instructions.  A patch built from such a rebuild carries the wrong
 * constants and reports unchanged functions as changed.  So for each
 * relocation of the function, the thing it refers to is resolved as
 * normalize.c resolves it for the orig/patched comparison (read-only data
 * by content, variables by their owner symbol) and found in the target:
 *
 *   read-only data: at the address the linker wrote into the field (read
 *   back with arch_reloc_read, at the same instruction of the target's
 *   copy: arch_code_map), the same bytes; a whole read-only section with
 *   its own relocated fields masked, nested data not followed;
 *   a variable: the target's symbol of that name, of the same size and,
 *   if both have initial bytes, the same ones (relocated fields masked).
 *
 * A field that cannot be read back (a GOT slot) is skipped for anonymous
 * data; named data is found by its symbol instead.  Strings that differ
 * only where both hold a __DATE__ or __TIME__ expansion are accepted (and
 * counted, verify.c warns): the rebuild expands them at SOURCE_DATE_EPOCH,
 * the target at its build time, and a binary that prints its build date
 * must stay patchable.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "build/normalize.h"
#include "build/refcheck.h"
#include "util/xalloc.h"

/* Bytes of a content shown in a message. */
#define REFCHECK_SHOW 40 /* characters; hex: 16 bytes */

/* One function being checked. */
struct refcheck {
	const struct build_ctx *ctx;
	const struct objfile *o;
	const struct obj_symbol *y;
	const struct target_sym *ts;
	const unsigned char *theirs;
	const uint64_t *boffs; /* each relocation's field in @theirs, or
				  NULL if the code could not be mapped */
	struct refcheck_count *n;
	char *why;
};

/* Whether @len bytes at @p are a NUL-terminated text (a string literal
 * in a section that does not say so, as at -O0). */
static bool refcheck_text(const unsigned char *p, uint64_t len)
{
	uint64_t i = 0;

	while (i < len && p && (p[i] >= 0x20 || (i && p[i] == '\n')))
		i++;
	return p && i > 1 && i < len && !p[i];
}

/*
 * @len bytes at @p as a string literal (up to its NUL) or as hex,
 * shortened to REFCHECK_SHOW with " ..." after; from byte @from on (where
 * the contents start to differ) if the start would hide it.
 */
static char *refcheck_show(const unsigned char *p, uint64_t len, bool str,
			   uint64_t from)
{
	uint64_t k = str ? strnlen((const char *)p, len) : len;
	uint64_t show = str ? REFCHECK_SHOW : REFCHECK_SHOW / 2 - 4;
	uint64_t start = from < show - 4 || from >= k ? 0 : from - from % 4;
	uint64_t n = k - start < show ? k - start : show;
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	fputs(str ? "\"" : "{", f);
	if (start)
		fprintf(f,
			str ? "... " : "+%#llx: ", (unsigned long long)start);
	for (uint64_t i = start; i < start + n; i++) {
		if (!str)
			fprintf(f, "%s%02x", i > start ? " " : "", p[i]);
		else if (p[i] == '"' || p[i] == '\\')
			fprintf(f, "\\%c", p[i]);
		else if (p[i] >= 0x20 && p[i] < 0x7f)
			fputc(p[i], f);
		else
			fprintf(f, "\\x%02x", p[i]);
	}
	fputs(start + n < k || (str && k == len) ? " ..." : "", f);
	fputs(str ? "\"" : "}", f);
	fclose(f);
	return out;
}

/* Where the object's bytes (@off, @len of @shndx) first differ from the
 * target's at @addr, outside relocated fields; @len if they do not (or the
 * object has none: .bss). */
static uint64_t refcheck_diff(const struct refcheck *c, uint32_t shndx,
			      uint64_t off, uint64_t len, uint64_t addr)
{
	const unsigned char *mine = c->o->secs[shndx].data;
	const unsigned char *theirs = target_bytes(c->ctx->target, addr, len);
	uint64_t i = 0;
	bool *mask;

	if (!mine || !theirs)
		return mine ? 0 : len;
	mask = xcalloc(len + 1, sizeof(*mask));
	obj_reloc_mask(c->o, shndx, off, len, mask);
	while (i < len && (mask[i] || mine[off + i] == theirs[i]))
		i++;
	free(mask);
	return i;
}

/* Record the difference: @what (the thing referred to) holds @off, @len
 * of section @shndx here and what is at @addr in the target. */
static void refcheck_differs(struct refcheck *c, const char *what,
			     uint32_t shndx, uint64_t off, uint64_t len,
			     uint64_t addr, bool str, uint64_t from)
{
	const unsigned char *mine = c->o->secs[shndx].data;
	/* A string of the target may be longer than ours: show its own. */
	uint64_t tlen = str && len <= REFCHECK_SHOW ? REFCHECK_SHOW + 1 : len;
	const unsigned char *theirs = target_bytes(c->ctx->target, addr, tlen);
	char *a, *b;

	if (!theirs)
		theirs = target_bytes(c->ctx->target, addr, tlen = len);
	a = mine ? refcheck_show(mine + off, len, str, from) : xstrdup("zeros");
	b = theirs ? refcheck_show(theirs, tlen, str, from)
		   : xstrdup("nothing the file holds");

	c->why = xasprintf("refers to %s%s%s in the rebuild but %s%s%s in "
			   "the target",
			   what, *what ? " holding " : "", a, what,
			   *what ? " holding " : "", b);
	free(a);
	free(b);
}

/* A variable: the target's symbol of the same name, size and bytes.
 * False if the target has no symbol for it alone. */
static bool refcheck_variable(struct refcheck *c, const struct ref *ref)
{
	const struct obj_symbol *v = &c->o->syms[ref->sym];
	const struct target_sym *tv = NULL;
	struct error err = {{0}};
	uint64_t d;

	if (ref->tls || build_lookup(c->ctx, c->o, v, &tv, &err) || !tv)
		return false;
	if (tv->size != v->size)
		c->why = xasprintf("refers to %s of %llu bytes in the rebuild "
				   "but of %llu in the target",
				   v->name, (unsigned long long)v->size,
				   (unsigned long long)tv->size);
	else if (v->shndx < c->o->nsecs &&
		 (d = refcheck_diff(c, v->shndx, v->value, v->size,
				    tv->value)) < v->size)
		refcheck_differs(c, v->name, v->shndx, v->value, v->size,
				 tv->value, false, d);
	return true;
}

/* The variable at the start of read-only section @shndx, or NULL (string
 * literals, compiler-made tables). */
static const struct obj_symbol *refcheck_rodata_sym(const struct objfile *o,
						    uint32_t shndx)
{
	for (size_t i = 0; i < o->nsyms; i++)
		if (o->syms[i].shndx == shndx && o->syms[i].value == 0 &&
		    o->syms[i].type == STT_OBJECT && o->syms[i].name[0])
			return &o->syms[i];
	return NULL;
}

/* Where the target holds read-only data @ref: at the address the linker
 * wrote into the field at @boff, or (a GOT slot, say) at the target's
 * symbol of the variable it is.  False if neither tells. */
static bool refcheck_where(const struct refcheck *c, const struct obj_reloc *r,
			   uint64_t boff, const struct ref *ref,
			   const struct obj_symbol *named, uint64_t *addr)
{
	const struct target_sym *tv = NULL;
	struct error err = {{0}};
	uint64_t s_a;

	if (c->boffs && boff + arch_reloc_width(r->type) <= c->ts->size &&
	    arch_reloc_read(r->type, c->theirs + boff, c->ts->value + boff,
			    &s_a)) {
		*addr = s_a - (uint64_t)ref->addend;
		return true;
	}
	if (!named || build_lookup(c->ctx, c->o, named, &tv, &err) || !tv)
		return false;
	*addr = tv->value;
	return true;
}

/* Whether @p holds a __DATE__ ("Dec  2 2026") or __TIME__ ("19:45:00")
 * expansion of @len bytes at most; its length, or 0. */
static size_t refcheck_stamp_at(const unsigned char *p, size_t len)
{
	static const char *const shapes[] = {"Aaa 99 9999", "99:99:99"};

	for (size_t k = 0; k < 2; k++) {
		size_t i = 0, n = strlen(shapes[k]);

		for (; i < n && i < len; i++) {
			char c = shapes[k][i];
			unsigned char b = p[i];

			if (!(c == 'A'	 ? b >= 'A' && b <= 'Z'
			      : c == 'a' ? b >= 'a' && b <= 'z'
			      : c == '9' ? (b >= '0' && b <= '9') ||
					       (b == ' ' && k == 0 && i == 4)
					 : b == (unsigned char)c))
				break;
		}
		if (i == n)
			return n;
	}
	return 0;
}

/* Whether @a and @b (@len bytes) differ only inside date and time stamps
 * at the same places. */
static bool refcheck_stamps_only(const unsigned char *a, const unsigned char *b,
				 uint64_t len)
{
	bool any = false;

	for (uint64_t i = 0; i < len;) {
		size_t sa = refcheck_stamp_at(a + i, len - i);

		if (sa && sa == refcheck_stamp_at(b + i, len - i)) {
			any = any || memcmp(a + i, b + i, sa);
			i += sa;
		} else if (a[i] != b[i]) {
			return false;
		} else {
			i++;
		}
	}
	return any;
}

/*
 * How many bytes of read-only data @ref are its own, the same in any
 * build of it; 0 if that is unknown.  The rebuild has a section per
 * variable and the target usually not, so a whole section compares only
 * when it holds one thing (a variable, a jump table); and an anonymous
 * constant of a section that is not mergeable (-O0) is measured to the
 * next thing referred to, which may be padding: a string counts to its
 * NUL, other data to its last byte that is not zero.
 */
static uint64_t refcheck_own_len(const struct refcheck *c,
				 const struct ref *ref,
				 const struct obj_symbol *named)
{
	const struct obj_section *s = &c->o->secs[ref->shndx];
	const unsigned char *p = s->data ? s->data + ref->start : NULL;
	uint64_t n = ref->len;

	if (ref->kind == REF_RODATA)
		return (named && named->size == s->size) ||
			       !strncmp(s->name, ".rodata.", 8)
			   ? n
			   : 0;
	if (ref->kind != REF_CONST || (s->flags & SHF_MERGE) || !p)
		return n;
	if (refcheck_text(p, n))
		return strnlen((const char *)p, n) + 1;
	while (n > 1 && !p[n - 1])
		n--;
	return n;
}

/* Read-only data: the same bytes where the target's field points.  False
 * if it cannot be compared. */
static bool refcheck_rodata(struct refcheck *c, const struct obj_reloc *r,
			    uint64_t boff, const struct ref *ref)
{
	const unsigned char *mine = c->o->secs[ref->shndx].data;
	const struct obj_symbol *named =
	    ref->kind == REF_RODATA ? refcheck_rodata_sym(c->o, ref->shndx)
				    : NULL;
	uint64_t len = refcheck_own_len(c, ref, named), addr, d;
	const unsigned char *theirs;
	bool str;

	if (!len || !refcheck_where(c, r, boff, ref, named, &addr))
		return false;
	d = refcheck_diff(c, ref->shndx, ref->start, len, addr);
	str = ref->kind == REF_STR ||
	      (mine && refcheck_text(mine + ref->start, len));
	theirs = target_bytes(c->ctx->target, addr, len);
	if (d < len && str && mine && theirs &&
	    refcheck_stamps_only(mine + ref->start, theirs, len))
		c->n->stamps++;
	else if (d < len)
		refcheck_differs(c, named ? named->name : "", ref->shndx,
				 ref->start, len, addr, str, d);
	return true;
}

/* Check what relocation @r (field at @boff in the target's copy) refers
 * to; true if it was compared. */
static bool refcheck_reloc(struct refcheck *c, const struct obj_reloc *r,
			   uint64_t boff)
{
	struct ref ref;

	ref_resolve(c->o, c->y->shndx, r, &ref);
	switch (ref.kind) {
	case REF_STR:
	case REF_CONST:
	case REF_RODATA:
		return refcheck_rodata(c, r, boff, &ref);
	case REF_DATA:
		return refcheck_variable(c, &ref);
	default:
		return false; /* code and names: verify.c compared them */
	}
}

/* Where each of the @n relocation fields @r lies in the target's copy. */
static uint64_t *refcheck_map(const struct refcheck *c,
			      const struct obj_reloc *r, size_t n)
{
	uint64_t *aoffs = xcalloc(n, sizeof(*aoffs));
	uint64_t *boffs = xcalloc(n, sizeof(*boffs));
	const unsigned char *mine = c->o->secs[c->y->shndx].data + c->y->value;

	for (size_t i = 0; i < n; i++)
		aoffs[i] = r[i].offset - c->y->value;
	if (arch_code_map(mine, c->y->size, c->theirs, c->ts->size, aoffs,
			  boffs, n)) {
		free(aoffs);
		return boffs;
	}
	/* Code that does not decode: verify.c compared it byte for byte,
	 * so with the same size the fields are at the same offsets. */
	free(boffs);
	if (c->y->size == c->ts->size)
		return aoffs;
	free(aoffs);
	return NULL;
}

bool refcheck_function(const struct build_ctx *ctx, const struct objfile *o,
		       const struct obj_symbol *y, const struct target_sym *ts,
		       const unsigned char *theirs, struct refcheck_count *n,
		       char **why)
{
	struct refcheck c = {ctx, o, y, ts, theirs, NULL, n, NULL};
	size_t first,
	    nr = obj_relocs_in(o, y->shndx, y->value, y->size, &first);
	const struct obj_reloc *r = o->secs[y->shndx].relocs + first;
	uint64_t *boffs = nr && theirs ? refcheck_map(&c, r, nr) : NULL;

	c.boffs = boffs;
	for (size_t i = 0; i < nr && theirs && !c.why; i++)
		n->checked += refcheck_reloc(&c, &r[i], boffs ? boffs[i] : 0);
	free(boffs);
	*why = c.why;
	return !c.why;
}
