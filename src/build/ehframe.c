/*
 * ehframe.c - copying the FDEs of patch code into the patch (ehframe.h).
 *
 * An object's .eh_frame is a sequence of records, each a 4-byte length and
 * a 4-byte id: 0 for a CIE (what the FDEs share: alignment factors, return
 * register, pointer encoding), else an FDE whose id is the distance back
 * to its CIE.  An FDE's first field, its start address, carries a
 * relocation against the code section it describes; that relocation is
 * how FDEs are matched to sections, and the only one an FDE or CIE may
 * have to be copied (others are personality routines and LSDAs, which C
 * code compiled without -fexceptions does not have).  The copy is
 * ".eh_frame" with the same records, ids recomputed, start addresses
 * relocated against the patch's section symbols, and a zero terminator.
 */
#include <stdlib.h>
#include <string.h>

#include "build/ehframe.h"
#include "util/xalloc.h"

/* A CIE already copied: from (o, off) to offset @out of the copy. */
struct eh_cie {
	const struct objfile *o;
	uint64_t off;
	uint64_t out;
};

/* A start-address relocation of the copy. */
struct eh_reloc {
	uint64_t offset;
	uint32_t type;
	uint32_t sym;
	int64_t addend;
};

struct eh_out {
	unsigned char *buf;
	size_t len, cap;
	struct eh_cie *cies;
	size_t ncies, cies_cap;
	struct eh_reloc *relocs;
	size_t nrelocs, relocs_cap;
};

static uint32_t eh_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Append @len bytes; returns their offset in the copy. */
static uint64_t eh_put(struct eh_out *out, const void *bytes, size_t len)
{
	uint64_t at = out->len;

	while (out->len + len > out->cap) {
		out->cap = out->cap ? out->cap * 2 : 1024;
		out->buf = xrealloc(out->buf, out->cap);
	}
	memcpy(out->buf + out->len, bytes, len);
	out->len += len;
	return at;
}

/* The .eh_frame section of @o, or NULL. */
static const struct obj_section *eh_section(const struct objfile *o)
{
	for (size_t i = 0; i < o->nsecs; i++)
		if (o->secs[i].name && !strcmp(o->secs[i].name, ".eh_frame") &&
		    o->secs[i].data)
			return &o->secs[i];
	return NULL;
}

/* Bytes of the record at @off (length field included), or 0 if it is the
 * terminator, 64-bit or does not fit. */
static uint64_t eh_record_len(const struct obj_section *s, uint64_t off)
{
	uint32_t len;

	if (off + 8 > s->size)
		return 0;
	len = eh_u32(s->data + off);
	if (len < 4 || len == 0xffffffffu || off + 4 + len > s->size)
		return 0;
	return 4 + (uint64_t)len;
}

/* How many relocations of @s lie in [@off, @off + @len); *first the first. */
static size_t eh_relocs(const struct objfile *o, const struct obj_section *s,
			uint64_t off, uint64_t len, size_t *first)
{
	return obj_relocs_in(o, (uint32_t)(s - o->secs), off, len, first);
}

/* Offset in the copy of the CIE at @off of @o's .eh_frame, copied if new;
 * UINT64_MAX if it cannot be copied. */
static uint64_t eh_cie(struct eh_out *out, const struct objfile *o,
		       const struct obj_section *s, uint64_t off)
{
	uint64_t len = eh_record_len(s, off);
	size_t first;

	for (size_t i = 0; i < out->ncies; i++)
		if (out->cies[i].o == o && out->cies[i].off == off)
			return out->cies[i].out;
	if (!len || eh_u32(s->data + off + 4) != 0 ||
	    eh_relocs(o, s, off, len, &first))
		return UINT64_MAX;
	XGROW(out->cies, out->cies_cap, out->ncies);
	out->cies[out->ncies] =
	    (struct eh_cie){o, off, eh_put(out, s->data + off, len)};
	return out->cies[out->ncies++].out;
}

/* Copy the FDE at @off if it describes code section @c; true if copied. */
static bool eh_fde(struct pbuild *b, struct eh_out *out,
		   const struct ehframe_code *c, const struct obj_section *s,
		   uint64_t off, uint64_t len)
{
	const struct obj_reloc *r;
	uint64_t cie, at;
	uint32_t id = eh_u32(s->data + off + 4);
	size_t first;

	if (eh_relocs(c->o, s, off, len, &first) != 1)
		return false;
	r = &s->relocs[first];
	if (r->offset != off + 8 || r->sym >= c->o->nsyms ||
	    c->o->syms[r->sym].shndx != c->shndx || id > off + 4 ||
	    (cie = eh_cie(out, c->o, s, off + 4 - id)) == UINT64_MAX)
		return false;
	at = eh_put(out, s->data + off, len);
	id = (uint32_t)(at + 4 - cie);
	memcpy(out->buf + at + 4, &id, sizeof(id));
	XGROW(out->relocs, out->relocs_cap, out->nrelocs);
	out->relocs[out->nrelocs++] = (struct eh_reloc){
	    .offset = at + 8,
	    .type = r->type,
	    .sym = pbuild_symbol(b,
				 &(struct patch_symbol){
				     .name = b->p->sections[c->psec].name,
				     .kind = PSYM_LOCAL,
				     .section = c->psec,
				 }),
	    .addend = (int64_t)c->o->syms[r->sym].value + r->addend,
	};
	return true;
}

/* Copy every FDE of code section @c; returns how many. */
static size_t eh_code(struct pbuild *b, struct eh_out *out,
		      const struct ehframe_code *c)
{
	const struct obj_section *s = eh_section(c->o);
	uint64_t off = 0, len;
	size_t n = 0;

	while (s && (len = eh_record_len(s, off))) {
		if (eh_u32(s->data + off + 4) != 0)
			n += eh_fde(b, out, c, s, off, len);
		off += len;
	}
	return n;
}

size_t ehframe_emit(struct pbuild *b, const struct ehframe_code *code, size_t n)
{
	static const unsigned char terminator[4];
	struct eh_out out = {0};
	size_t nfde = 0;
	uint32_t sec;

	for (size_t i = 0; i < n; i++)
		nfde += eh_code(b, &out, &code[i]);
	if (nfde) {
		eh_put(&out, terminator, sizeof(terminator));
		sec = pbuild_section(b, ".eh_frame", 0, false, 8, out.len,
				     out.buf);
		for (size_t i = 0; i < out.nrelocs; i++)
			pbuild_reloc(b, sec, out.relocs[i].offset,
				     out.relocs[i].type, out.relocs[i].sym,
				     out.relocs[i].addend);
	}
	free(out.buf);
	free(out.cies);
	free(out.relocs);
	return nfde;
}
