/*
 * padroom.c - room for a trampoline after a function shorter than one
 * (padroom.h): the padding up to the next symbol, and the proof that no
 * code of the target can reach it.
 */
#include <elfutils/libdw.h>
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "build/padroom.h"
#include "util/xalloc.h"

/* A symbol's bytes in the function's section. */
struct span {
	uint64_t lo, hi;
	const char *name;
};

struct padroom {
	const struct target *t;
	Elf *e;
	uint64_t *refs; /* every code reference's target, sorted */
	size_t nrefs, cap;
	bool swept; /* refs is filled */
};

/* One function's look at the file. */
struct room {
	struct padroom *pr;
	const struct target *t; /* pr's */
	Elf *e;
	GElf_Shdr sh;	     /* the function's section */
	const char *secname; /* its name */
	struct span *v;	     /* the section's symbols, by address */
	size_t n;
};

static bool is_code(const GElf_Shdr *sh)
{
	return sh->sh_type == SHT_PROGBITS && (sh->sh_flags & SHF_EXECINSTR);
}

/* The code section holding @addr into @r->sh; false if none. */
static bool find_section(struct room *r, uint64_t addr)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(r->e, &shstrndx))
		return false;
	while ((scn = elf_nextscn(r->e, scn)))
		if (gelf_getshdr(scn, &r->sh) && is_code(&r->sh) &&
		    addr >= r->sh.sh_addr &&
		    addr < r->sh.sh_addr + r->sh.sh_size) {
			r->secname = elf_strptr(r->e, shstrndx, r->sh.sh_name);
			return true;
		}
	return false;
}

static int by_lo(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Every symbol that starts in the section, sorted. */
static void collect(struct room *r)
{
	uint64_t lo = r->sh.sh_addr, hi = lo + r->sh.sh_size;

	r->v = xcalloc(r->t->nsyms + 1, sizeof(*r->v));
	for (size_t i = 0; i < r->t->nsyms; i++) {
		const struct target_sym *y = &r->t->syms[i];

		if (!y->defined || y->type == STT_SECTION ||
		    y->type == STT_FILE || y->value < lo || y->value >= hi)
			continue;
		r->v[r->n++] =
		    (struct span){y->value, y->value + y->size, y->name};
	}
	qsort(r->v, r->n, sizeof(*r->v), by_lo);
}

/* Where the free bytes starting at @at end: the next symbol or the end of
 * the section (*next gets the symbol's name, or NULL); @at if a symbol
 * covers @at. */
static uint64_t free_end(const struct room *r, uint64_t at, const char **next)
{
	uint64_t end = r->sh.sh_addr + r->sh.sh_size;

	*next = NULL;
	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i].lo < at && r->v[i].hi > at)
			return at;
		if (r->v[i].lo >= at && r->v[i].lo < end) {
			end = r->v[i].lo;
			*next = r->v[i].name;
		}
	}
	return end;
}

/* Whether [@lo, @hi) is padding in the file. */
static bool all_padding(const struct room *r, uint64_t lo, uint64_t hi)
{
	const unsigned char *b = target_bytes(r->t, lo, hi - lo);

	return b && arch_is_padding(b, hi - lo);
}

/*
 * The free run of at least @need padding bytes after some symbol of the
 * section, other than the one at @skip, nearest to @entry: its start, or
 * 0 if there is none.
 */
static uint64_t nearest_free(const struct room *r, uint64_t entry, size_t need,
			     uint64_t skip, uint64_t *hi)
{
	uint64_t best = 0, sec_end = r->sh.sh_addr + r->sh.sh_size, end = 0;

	for (size_t i = 0; i < r->n; i++) {
		uint64_t lo, next = i + 1 < r->n ? r->v[i + 1].lo : sec_end;

		end = r->v[i].hi > end ? r->v[i].hi : end;
		lo = end;
		if (next < lo + need || lo == skip || !all_padding(r, lo, next))
			continue;
		if (!best || (lo > entry ? lo - entry : entry - lo) <
				 (best > entry ? best - entry : entry - best)) {
			best = lo;
			*hi = next;
		}
	}
	return best;
}

/* What a relocation of @rel in section @scn refers to; 0 if nothing of
 * this file. */
static uint64_t reloc_target(Elf *e, Elf_Scn *scn, const GElf_Rela *rel)
{
	uint32_t type = (uint32_t)GELF_R_TYPE(rel->r_info);
	Elf_Scn *symscn;
	GElf_Shdr sh;
	GElf_Sym sym;

	if (!GELF_R_SYM(rel->r_info))
		return (uint64_t)rel->r_addend;
	if (!gelf_getshdr(scn, &sh) || !(symscn = elf_getscn(e, sh.sh_link)) ||
	    !gelf_getsym(elf_getdata(symscn, NULL),
			 (int)GELF_R_SYM(rel->r_info), &sym) ||
	    sym.st_shndx == SHN_UNDEF)
		return 0;
	return sym.st_value + (uint64_t)rel->r_addend +
	       (arch_reloc_pcrel(type) ? arch_reloc_width(type) : 0);
}

/* Whether a relocation of the file (dynamic, or kept by --emit-relocs)
 * refers into [@lo, @hi). */
static bool reloc_into(Elf *e, uint64_t lo, uint64_t hi)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Rela rel;

	while ((scn = elf_nextscn(e, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		for (int i = 0; gelf_getrela(d, i, &rel); i++) {
			uint64_t to = reloc_target(e, scn, &rel);

			if (to >= lo && to < hi)
				return true;
		}
	}
	return false;
}

static int by_value(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* Collect, once, the targets of all the file's code references: a linear
 * sweep of a large program takes seconds, and a patch may have many short
 * functions. */
static void sweep(struct padroom *pr)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(pr->e, scn)))
		if (gelf_getshdr(scn, &sh) && is_code(&sh) &&
		    sh.sh_offset + sh.sh_size <= pr->t->image_len)
			arch_code_targets(pr->t->image + sh.sh_offset,
					  sh.sh_size, sh.sh_addr, &pr->refs,
					  &pr->nrefs, &pr->cap);
	qsort(pr->refs, pr->nrefs, sizeof(*pr->refs), by_value);
	pr->swept = true;
}

/* Whether the code of the file branches or points into [@lo, @hi). */
static bool code_into(struct padroom *pr, uint64_t lo, uint64_t hi)
{
	size_t a = 0, b;

	if (!pr->swept)
		sweep(pr);
	/* the first target >= lo */
	for (b = pr->nrefs; a < b;) {
		size_t m = a + (b - a) / 2;

		if (pr->refs[m] < lo)
			a = m + 1;
		else
			b = m;
	}
	return a < pr->nrefs && pr->refs[a] < hi;
}

/*
 * Whether a 4-byte-aligned word of the file's data (allocated, not code)
 * holds an address in [@lo, @hi): a pointer there, which in a program
 * that is not position-independent no relocation shows.  A 64-bit
 * pointer's low half is such a word too (link-time addresses are below
 * 4 GiB); a value that only looks like one refuses, never accepts.
 */
static bool data_into(const struct room *r, uint64_t lo, uint64_t hi)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	uint32_t w;

	while ((scn = elf_nextscn(r->e, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_ALLOC) ||
		    (sh.sh_flags & SHF_EXECINSTR) ||
		    sh.sh_offset + sh.sh_size > r->t->image_len)
			continue;
		for (uint64_t o = 0; o + sizeof(w) <= sh.sh_size; o += 4) {
			memcpy(&w, r->t->image + sh.sh_offset + o, sizeof(w));
			if (w >= lo && w < hi)
				return true;
		}
	}
	return false;
}

/* Whether .eh_frame describes any byte of [@lo, @hi) as code. */
static bool cfi_covers(Elf *e, uint64_t lo, uint64_t hi)
{
	Dwarf_CFI *cfi = dwarf_getcfi_elf(e);
	bool found = false;

	for (uint64_t a = lo; cfi && a < hi && !found; a++) {
		Dwarf_Frame *frame;

		if (!dwarf_cfi_addrframe(cfi, a, &frame)) {
			free(frame);
			found = true;
		}
	}
	if (cfi)
		dwarf_cfi_end(cfi);
	return found;
}

/* Why [@lo, @hi) may not be written, or NULL if it may. */
static const char *unusable(const struct room *r, uint64_t lo, uint64_t hi)
{
	if (!all_padding(r, lo, hi))
		return "the bytes after it are not all padding (int3, nop or "
		       "zero): code with no symbol may be there";
	if (cfi_covers(r->e, lo, hi))
		return "call-frame information (.eh_frame) covers the bytes "
		       "after it";
	if (reloc_into(r->e, lo, hi))
		return "a relocation refers to the bytes after it";
	if (code_into(r->pr, lo, hi))
		return "code of the program branches or points into the bytes "
		       "after it";
	if (data_into(r, lo, hi))
		return "a word of the program's data holds an address in the "
		       "bytes after it";
	return NULL;
}

/* The refusal: @why, and the nearest free bytes. */
static int refuse(const struct room *r, const struct target_sym *y, size_t need,
		  const char *why, struct error *err)
{
	uint64_t hi = 0, lo;

	lo = nearest_free(r, y->value, need, y->value + y->size, &hi);
	if (!lo)
		return error_set(err, -ENOSPC,
				 "%s; no free bytes of %zu in its section %s",
				 why, need, r->secname);
	return error_set(
	    err, -ENOSPC,
	    "%s; the nearest free bytes of %zu in %s are %#" PRIx64
	    "..%#" PRIx64 " (%" PRIu64 " bytes, %" PRId64 " from its entry)",
	    why, need, r->secname, lo, hi, hi - lo, (int64_t)(lo - y->value));
}

/* Why [@end, @stop) is too little room: @next (or nothing) starts at
 * @stop.  The caller frees the text. */
static char *no_room(const struct room *r, uint64_t end, uint64_t stop,
		     const char *next)
{
	if (stop == end && end == r->sh.sh_addr + r->sh.sh_size)
		return xasprintf("it is the last code of its section");
	if (stop == end)
		return xasprintf("%s follows it at once",
				 next ? next : "another symbol's code");
	return xasprintf("only %" PRIu64
			 " bytes of padding follow it before %s",
			 stop - end, next ? next : "the section's end");
}

/* Check the room after @y once the section is known. */
static int check_room(struct room *r, const struct target_sym *y, size_t need,
		      uint64_t *pad, struct error *err)
{
	uint64_t end = y->value + y->size, stop;
	const char *next, *why;
	char *msg;
	int ret;

	collect(r);
	stop = free_end(r, end, &next);
	if (stop < y->value + need) {
		msg = no_room(r, end, stop, next);
		ret = refuse(r, y, need, msg, err);
		free(msg);
		return ret;
	}
	if ((why = unusable(r, end, stop)))
		return refuse(r, y, need, why, err);
	*pad = stop - end < PATCH_PAD_MAX ? stop - end : PATCH_PAD_MAX;
	return 0;
}

struct padroom *padroom_open(const struct target *t)
{
	struct padroom *pr = xcalloc(1, sizeof(*pr));

	pr->t = t;
	pr->e = elf_memory((char *)t->image, t->image_len);
	return pr;
}

void padroom_close(struct padroom *pr)
{
	if (!pr)
		return;
	if (pr->e)
		elf_end(pr->e);
	free(pr->refs);
	free(pr);
}

int padroom_find(struct padroom *pr, const struct target_sym *y, size_t need,
		 uint64_t *pad, struct error *err)
{
	struct room r = {.pr = pr, .t = pr->t, .e = pr->e};
	int ret;

	if (!y->size)
		return error_set(err, -ENOSPC, "its size is unknown");
	if (!r.e || !find_section(&r, y->value))
		ret = error_set(err, -ENOSPC, "no code section of %s holds it",
				r.t->path);
	else
		ret = check_room(&r, y, need, pad, err);
	free(r.v);
	return ret;
}
