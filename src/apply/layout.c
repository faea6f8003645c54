/* layout.c - planning and placing a patch's region (layout.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "apply/farref.h"
#include "apply/layout.h"
#include "arch/arch.h"
#include "util/xalloc.h"

/*
 * How far the region may be from the module: a rel32 displacement reaches
 * 2 GiB; the margin leaves room for addends (references to the end of an
 * object, `call` displacements measured from the next instruction).
 */
#define LAYOUT_REACH  ((1ull << 31) - (16ull << 20))
#define GOT_SLOT_SIZE 8
#define STUB_ALIGN    16

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint64_t page_size(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

/* The references of section @si that may need a thunk. */
static size_t far_refs(const struct patch *p, size_t si)
{
	size_t n = 0;

	for (size_t j = 0; j < p->sections[si].nrelocs; j++)
		n += farref_candidate(p, si, &p->sections[si].relocs[j]);
	return n;
}

/* Give sections whose flags select them an offset from *pos onwards, each
 * followed by its thunks: a thread in one is in that code. */
static void place_sections(const struct patch *p, struct layout *l,
			   uint32_t mask, uint32_t want, uint64_t *pos)
{
	for (size_t i = 0; i < p->nsections; i++) {
		const struct patch_section *s = &p->sections[i];
		size_t n;

		if ((s->flags & mask) != want)
			continue;
		*pos = align_up(*pos, s->align);
		l->sec_off[i] = *pos;
		*pos += s->size;
		if ((n = far_refs(p, i))) {
			l->thunk_off[i] = *pos;
			*pos += n * ARCH_THUNK_MAX;
		}
	}
}

/* Reserve a GOT slot or a stub for every symbol some relocation needs one
 * for.  Stubs are only reserved for symbols outside the patch; whether a
 * stub is used depends on the final placement, as does whether a data
 * reference that may not reach uses its slot (and its thunk). */
static void place_indirections(const struct patch *p, struct layout *l,
			       uint64_t *pos)
{
	for (size_t i = 0; i < p->nsections; i++)
		for (size_t j = 0; j < p->sections[i].nrelocs; j++) {
			const struct patch_reloc *r = &p->sections[i].relocs[j];
			enum arch_reloc_class c = arch_reloc_class(r->type);

			if ((c == ARCH_RELOC_GOT ||
			     farref_candidate(p, i, r)) &&
			    l->got_off[r->symbol] == LAYOUT_NONE) {
				*pos = align_up(*pos, GOT_SLOT_SIZE);
				l->got_off[r->symbol] = *pos;
				*pos += GOT_SLOT_SIZE;
			}
			if (c == ARCH_RELOC_CALL &&
			    p->symbols[r->symbol].kind != PSYM_LOCAL &&
			    l->stub_off[r->symbol] == LAYOUT_NONE) {
				*pos = align_up(*pos, STUB_ALIGN);
				l->stub_off[r->symbol] = *pos;
				*pos += arch_stub_len();
			}
		}
}

/* Refuse sections that would need writable code. */
static int check_sections(const struct patch *p, struct error *err)
{
	for (size_t i = 0; i < p->nsections; i++)
		if ((p->sections[i].flags & (PSEC_EXEC | PSEC_WRITE)) ==
		    (PSEC_EXEC | PSEC_WRITE))
			return error_set(err, -EINVAL,
					 "section %s of patch '%s' is both "
					 "writable and executable",
					 p->sections[i].name, p->name);
	return 0;
}

/* Record part [start, end) with @prot, page aligned. */
static void set_part(struct layout *l, int k, uint64_t start, uint64_t end,
		     int prot)
{
	l->parts[k].offset = start;
	l->parts[k].size = align_up(end, page_size()) - start;
	l->parts[k].prot = prot;
}

/* Where the patch's call-frame information went: its ".eh_frame" section
 * (src/build/ehframe.h), read-only like constants, so in the text part. */
static void find_unwind(const struct patch *p, struct layout *l)
{
	for (size_t i = 0; i < p->nsections; i++)
		if (!strcmp(p->sections[i].name, ".eh_frame") &&
		    !p->sections[i].flags && !p->sections[i].nobits) {
			l->unwind.offset = l->sec_off[i];
			l->unwind.size = p->sections[i].size;
		}
}

int layout_plan(const struct patch *p, size_t record_bytes, size_t ngates,
		size_t data_reserve, struct layout *l, struct error *err)
{
	uint64_t pos, start;
	int r;

	memset(l, 0, sizeof(*l));
	if ((r = check_sections(p, err)))
		return r;
	l->sec_off = xcalloc(p->nsections, sizeof(*l->sec_off));
	l->got_off = xmalloc(p->nsymbols * sizeof(*l->got_off));
	l->stub_off = xmalloc(p->nsymbols * sizeof(*l->stub_off));
	l->thunk_off = xmalloc((p->nsections + 1) * sizeof(*l->thunk_off));
	for (size_t i = 0; i < p->nsections; i++)
		l->thunk_off[i] = LAYOUT_NONE;
	for (size_t i = 0; i < p->nsymbols; i++)
		l->got_off[i] = l->stub_off[i] = LAYOUT_NONE;
	set_part(l, RECORD_PART_RECORD, 0, record_bytes, PROT_READ);
	start = pos = l->parts[RECORD_PART_RECORD].size;
	place_sections(p, l, PSEC_EXEC | PSEC_WRITE, PSEC_EXEC, &pos);
	place_sections(p, l, PSEC_EXEC | PSEC_WRITE, 0, &pos);
	place_indirections(p, l, &pos);
	tls_plan(p, &l->tls, &pos);
	l->gates_off = pos = align_up(pos, STUB_ALIGN);
	pos += ngates * ARCH_GATE_MAX;
	set_part(l, RECORD_PART_TEXT, start, pos, PROT_READ | PROT_EXEC);
	start = pos = align_up(pos, page_size());
	pos += data_reserve;
	place_sections(p, l, PSEC_WRITE, PSEC_WRITE, &pos);
	set_part(l, RECORD_PART_DATA, start, pos, PROT_READ | PROT_WRITE);
	l->size = align_up(pos, page_size());
	find_unwind(p, l);
	return 0;
}

/* The lowest address the kernel lets a process map. */
static uint64_t mmap_floor(void)
{
	unsigned long v = 65536;
	FILE *f = fopen("/proc/sys/vm/mmap_min_addr", "r");

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 65536;
		fclose(f);
	}
	return align_up(v, page_size());
}

/*
 * The best base inside the free gap [lo, hi) for a region of @size within
 * [win_lo, win_hi): the highest fitting page, or LAYOUT_NONE.  Highest is
 * nearest to a module above the gap, and furthest from a heap below it.
 */
static uint64_t fit(uint64_t lo, uint64_t hi, uint64_t win_lo, uint64_t win_hi,
		    uint64_t size)
{
	lo = lo > win_lo ? lo : win_lo;
	hi = hi < win_hi ? hi : win_hi;
	if (hi <= lo || hi - lo < size)
		return LAYOUT_NONE;
	return (hi - size) & ~(page_size() - 1);
}

int layout_place(struct layout *l, const struct proc_maps *maps,
		 uint64_t mod_lo, uint64_t mod_hi, pid_t pid, struct error *err)
{
	uint64_t win_lo = mod_hi > LAYOUT_REACH ? mod_hi - LAYOUT_REACH : 0;
	uint64_t win_hi = mod_lo + LAYOUT_REACH, below = LAYOUT_NONE;
	uint64_t above = LAYOUT_NONE, prev_end = mmap_floor();

	/* Each gap lies between the previous mapping's end and this start;
	 * the last one ends at the window's top. */
	for (size_t i = 0; i <= maps->n; i++) {
		uint64_t start = i < maps->n ? maps->v[i].start : win_hi;
		uint64_t b = start > prev_end ? fit(prev_end, start, win_lo,
						    win_hi, l->size + l->extra)
					      : LAYOUT_NONE;

		if (b != LAYOUT_NONE && b + l->size + l->extra <= mod_lo)
			below = b;
		else if (b != LAYOUT_NONE && b >= mod_hi &&
			 above == LAYOUT_NONE)
			above = b;
		if (i < maps->n && maps->v[i].end > prev_end)
			prev_end = maps->v[i].end;
	}
	l->base = below != LAYOUT_NONE ? below : above;
	if (l->base == LAYOUT_NONE)
		return error_set(err, -ENOMEM,
				 "process %d has no free gap of %" PRIu64
				 " KiB within 2 GiB of its module at %#" PRIx64
				 "-%#" PRIx64,
				 pid, l->size >> 10, mod_lo, mod_hi);
	return 0;
}

uint64_t layout_code_size(const struct patch *p, const struct layout *l,
			  uint32_t sym)
{
	const struct patch_symbol *s = &p->symbols[sym];

	if (s->kind != PSYM_LOCAL || s->value ||
	    s->size != p->sections[s->section].size ||
	    l->thunk_off[s->section] == LAYOUT_NONE)
		return s->size;
	return s->size + far_refs(p, s->section) * ARCH_THUNK_MAX;
}

void layout_free(struct layout *l)
{
	free(l->sec_off);
	free(l->got_off);
	free(l->stub_off);
	free(l->thunk_off);
	tls_layout_free(&l->tls);
	memset(l, 0, sizeof(*l));
}
