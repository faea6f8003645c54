/* listing.c - symbolic listings of old and new code (listing.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "review/listing.h"
#include "util/xalloc.h"

bool listing_literal(const unsigned char *s, size_t len, char *buf, size_t size)
{
	size_t n = 0;

	while (n < len && n < 48 && s[n] >= 0x20 && s[n] < 0x7f && s[n] != '"')
		n++;
	if (n == len || s[n] != '\0')
		return false;
	snprintf(buf, size, "\"%.*s\"", (int)n, (const char *)s);
	return true;
}

static void add_line(struct listing *l, uint64_t off, const char *text)
{
	l->lines = xrealloc(l->lines, (l->n + 1) * sizeof(*l->lines));
	l->offs = xrealloc(l->offs, (l->n + 1) * sizeof(*l->offs));
	l->lines[l->n] = xstrdup(text);
	l->offs[l->n++] = off;
}

/* The string literal at @addr of @t, if one is there (it may end its
 * section, so shorter reads are tried too). */
static bool old_literal(const struct target *t, uint64_t addr, char *buf,
			size_t len)
{
	for (size_t n = 64; n; n /= 2)
		if (target_bytes(t, addr, n))
			return listing_literal(target_bytes(t, addr, n), n, buf,
					       len);
	return false;
}

void listing_name_in(const struct target *t, uint64_t addr, char *buf,
		     size_t len)
{
	const struct target_sym *best = NULL;

	for (size_t i = 0; i < t->nsyms; i++) {
		const struct target_sym *s = &t->syms[i];

		if (s->defined && s->name[0] && addr >= s->value &&
		    addr < s->value + (s->size ? s->size : 1) &&
		    (!best || s->size < best->size))
			best = s;
	}
	if (!best && target_slot_name(t, addr)) /* as the patch's (pname.c) */
		snprintf(buf, len, "%s@got", target_slot_name(t, addr));
	else if (!best && target_plt_name(t, addr))
		snprintf(buf, len, "%s", target_plt_name(t, addr));
	else if (!best && old_literal(t, addr, buf, len))
		return;
	else if (!best) /* a jump table, say: unnamed in both listings */
		snprintf(buf, len, "<anon>");
	else if (addr == best->value)
		snprintf(buf, len, "%s", best->name);
	else
		snprintf(buf, len, "%s+%#" PRIx64, best->name,
			 addr - best->value);
}

int listing_code(const unsigned char *code, uint64_t size, uint64_t addr,
		 const struct listing_namer *nm, struct listing *l)
{
	struct arch_insn *in;
	char name[160], text[400];
	size_t n;

	memset(l, 0, sizeof(*l));
	if (!code || arch_disasm_insns(code, size, addr, &in, &n) < 0)
		return -ENOENT;
	for (size_t i = 0; i < n; i++) {
		uint64_t to = in[i].target;

		if (to >= addr && to < addr + size)
			snprintf(name, sizeof(name), "<+%#" PRIx64 ">",
				 to - addr);
		else if (to)
			nm->name(nm->ctx, to, !in[i].pcrel, name, sizeof(name));
		if (to)
			arch_insn_symbolic(&in[i], name, text, sizeof(text));
		else
			snprintf(text, sizeof(text), "%s", in[i].text);
		add_line(l, in[i].addr - addr, text);
	}
	free(in);
	return 0;
}

/* Addresses of a target binary, named from its symbol table. */
static void name_in_target(const void *ctx, uint64_t addr, bool branch,
			   char *buf, size_t len)
{
	listing_name_in(ctx, addr, buf, len);
}

int listing_old(const struct target *t, uint64_t addr, uint64_t size,
		struct listing *l)
{
	const struct listing_namer nm = {name_in_target, t};

	return listing_code(target_bytes(t, addr, size), size, addr, &nm, l);
}

/* The relocation of section @s inside [@lo, @hi), or NULL. */
static const struct patch_reloc *reloc_in(const struct patch_section *s,
					  uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < s->nrelocs; i++)
		if (s->relocs[i].offset >= lo && s->relocs[i].offset < hi)
			return &s->relocs[i];
	return NULL;
}

/* What a relocation of the new code refers to, named as in old_name: a
 * pc-relative field's addend counts from the field, the instruction's
 * operand from the instruction's end. */
static void new_name(const struct patch *p, const struct patch_reloc *r,
		     uint64_t field, uint64_t insn_end, char *buf, size_t len)
{
	const struct patch_symbol *y = &p->symbols[r->symbol];
	const struct patch_section *s = &p->sections[y->section];
	const char *name = y->name;
	int64_t off = r->addend;
	uint64_t at;

	if (arch_reloc_pcrel(r->type))
		off += (int64_t)(insn_end - field);
	at = y->value + (uint64_t)off;
	if (y->kind == PSYM_LOCAL && !strncmp(s->name, ".rodata.str", 11) &&
	    s->data && at < s->size &&
	    listing_literal(s->data + at, s->size - at, buf, len))
		return;
	if (y->kind == PSYM_LOCAL && name[0] == '.') {
		snprintf(buf, len, "<anon>"); /* a section: no name */
		return;
	}
	if (!off) /* a GOT slot's, named as listing_name_in names them */
		snprintf(buf, len, "%s%s", name[0] ? name : "?",
			 arch_reloc_class(r->type) == ARCH_RELOC_GOT ? "@got"
								     : "");
	else
		snprintf(buf, len, "%s%c%#" PRIx64, name[0] ? name : "?",
			 off < 0 ? '-' : '+',
			 off < 0 ? (uint64_t)-off : (uint64_t)off);
}

int listing_new(const struct patch *p, uint32_t sym, struct listing *l)
{
	const struct patch_symbol *y = &p->symbols[sym];
	const struct patch_section *s = &p->sections[y->section];
	struct arch_insn *in;
	char name[160], text[400];
	size_t n;

	memset(l, 0, sizeof(*l));
	if (!s->data || y->value + y->size > s->size ||
	    arch_disasm_insns(s->data + y->value, y->size, 0, &in, &n) < 0)
		return -ENOENT;
	for (size_t i = 0; i < n; i++) {
		uint64_t at = y->value + in[i].addr, end = at + in[i].size;
		const struct patch_reloc *r = reloc_in(s, at, end);

		if (r)
			new_name(p, r, r->offset, end, name, sizeof(name));
		else if (in[i].target)
			snprintf(name, sizeof(name), "<+%#" PRIx64 ">",
				 in[i].target);
		if (in[i].target)
			arch_insn_symbolic(&in[i], name, text, sizeof(text));
		else if (r) /* an absolute address or immediate */
			snprintf(text, sizeof(text), "%s  # %s", in[i].text,
				 name);
		else
			snprintf(text, sizeof(text), "%s", in[i].text);
		add_line(l, in[i].addr, text);
	}
	free(in);
	return 0;
}

void listing_free(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->lines[i]);
	free(l->lines);
	free(l->offs);
	memset(l, 0, sizeof(*l));
}
