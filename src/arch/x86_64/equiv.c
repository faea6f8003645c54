/*
 * equiv.c - is this object code the code in the linked binary?
 *
 * `suture build` compiles with -ffunction-sections, the running binary was
 * usually built without.  The instructions are the same, but GAS and
 * LLVM's assembler relax jumps per section: with many functions in one
 * .text a jump may stay 5 bytes where a section of its own allows 2, which
 * shifts the code after it and the alignment padding.  So the comparison
 * works on decoded instructions: nops are skipped, relative branches must
 * have the same opcode and land on the same instruction (counted without
 * nops), and everything else must match byte for byte outside the fields
 * the linker fills in.
 *
 * The linker may also rewrite a whole sequence of instructions, keeping
 * its length but not its instruction boundaries: thread-local accesses
 * relaxed into cheaper models (a general-dynamic `lea; call
 * __tls_get_addr` into `mov %fs:0,%rax; lea x@tpoff(%rax),%rax`, a
 * descriptor call into a two-byte nop).  Every byte of such a sequence is
 * masked in the object (arch_reloc_linker_span), so where instructions do
 * not pair one to one, a run of wholly masked instructions may stand for
 * the same number of bytes in the binary: a unit of its own.  Branch
 * targets are compared by unit.
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/x86_64/cshandle.h"
#include "util/xalloc.h"

/* One function decoded, nops dropped. */
struct equiv_code {
	cs_insn *insn;
	size_t count;
	size_t *keep; /* indices into insn of the non-nop instructions */
	size_t nkeep;
	size_t len;
	size_t *unit; /* per kept instruction and the end: its unit */
};

/* One unit: kept instructions [ka, ka + na) of the object's code and
 * [kb, kb + nb) of the binary's, at @astart and @bstart. */
struct equiv_pair {
	size_t ka, na, kb, nb;
	uint64_t astart, bstart;
	bool run; /* a wholly masked run (else one instruction each) */
};

static void equiv_free(struct equiv_code *c)
{
	if (c->insn)
		cs_free(c->insn, c->count);
	free(c->keep);
	free(c->unit);
}

/* Decode @len bytes; false if they do not decode completely. */
static bool equiv_decode(csh h, const unsigned char *code, size_t len,
			 struct equiv_code *c)
{
	size_t end = 0;

	memset(c, 0, sizeof(*c));
	c->len = len;
	c->count = cs_disasm(h, code, len, 0, 0, &c->insn);
	c->keep = xcalloc(c->count + 1, sizeof(*c->keep));
	c->unit = xcalloc(c->count + 1, sizeof(*c->unit));
	for (size_t i = 0; i < c->count; i++) {
		end = c->insn[i].address + c->insn[i].size;
		if (c->insn[i].id != X86_INS_NOP)
			c->keep[c->nkeep++] = i;
	}
	return end == len;
}

/* The kept-instruction index of the instruction at @off (the next non-nop
 * one if @off starts padding); nkeep for the end; -1 if not a boundary. */
static long equiv_index(const struct equiv_code *c, uint64_t off)
{
	size_t k = 0;

	if (off == c->len)
		return (long)c->nkeep;
	for (size_t i = 0; i < c->count; i++) {
		if (c->insn[i].address == off) {
			while (k < c->nkeep && c->keep[k] < i)
				k++;
			return (long)k;
		}
	}
	return -1;
}

/* A relative jump or call: its single operand is the target address. */
static bool equiv_is_branch(const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;

	for (uint8_t g = 0; g < in->detail->groups_count; g++) {
		uint8_t grp = in->detail->groups[g];

		if ((grp == CS_GRP_JUMP || grp == CS_GRP_CALL) &&
		    x->op_count == 1 && x->operands[0].type == X86_OP_IMM)
			return true;
	}
	return false;
}

static bool equiv_masked(const bool *mask, const cs_insn *in)
{
	for (size_t k = 0; k < in->size; k++)
		if (mask[in->address + k])
			return true;
	return false;
}

static bool equiv_all_masked(const bool *mask, const cs_insn *in)
{
	for (size_t k = 0; k < in->size; k++)
		if (!mask[in->address + k])
			return false;
	return true;
}

/* Whether @ia and @ib can be one unit: branches of one kind, or the same
 * length and instruction (or an instruction the linker may rewrite). */
static bool equiv_single(const cs_insn *ia, const cs_insn *ib,
			 const bool *amask)
{
	if (ia->id == ib->id && equiv_is_branch(ia) && equiv_is_branch(ib))
		return true;
	return ia->size == ib->size &&
	       (ia->id == ib->id || equiv_masked(amask, ia));
}

/* The instructions of @c from address @start on that cover exactly @len
 * bytes, nops included: false if none do; *nkept gets how many of them
 * are kept ones. */
static bool equiv_span(const struct equiv_code *c, uint64_t start, uint64_t len,
		       size_t *nkept)
{
	uint64_t end = start + len;

	*nkept = 0;
	for (size_t i = 0; i < c->count && c->insn[i].address < end; i++) {
		const cs_insn *in = &c->insn[i];

		if (in->address < start)
			continue;
		*nkept += in->id != X86_INS_NOP;
		if (in->address + in->size == end)
			return true;
	}
	return false;
}

/* Where kept instruction @k - 1 of @c ends (0 for none). */
static uint64_t equiv_end(const struct equiv_code *c, size_t k)
{
	const cs_insn *in = k ? &c->insn[c->keep[k - 1]] : NULL;

	return in ? in->address + in->size : 0;
}

/* Pair a run of wholly masked, adjacent instructions of @a from kept
 * index p->ka on with the bytes of @b at @bpos or at its kept instruction
 * p->kb. */
static bool equiv_run(const struct equiv_code *a, const bool *amask,
		      const struct equiv_code *b, uint64_t bpos,
		      struct equiv_pair *p)
{
	uint64_t len = 0;

	p->astart = a->insn[a->keep[p->ka]].address;
	for (p->na = 0; p->ka + p->na < a->nkeep; p->na++) {
		const cs_insn *in = &a->insn[a->keep[p->ka + p->na]];

		if (in->address != p->astart + len ||
		    !equiv_all_masked(amask, in))
			break;
		len += in->size;
	}
	p->run = true;
	p->bstart = bpos;
	if (p->na && equiv_span(b, bpos, len, &p->nb))
		return true;
	p->bstart = p->kb < b->nkeep ? b->insn[b->keep[p->kb]].address : 0;
	return p->na && p->kb < b->nkeep &&
	       equiv_span(b, p->bstart, len, &p->nb);
}

/*
 * Divide @a and @b into units (*pairs, *n of them; the caller frees the
 * array) and number them in a->unit and b->unit.  False where they cannot
 * be paired: *n is then the index of the failing unit, whose ka and kb
 * are set.
 */
static bool equiv_pair_all(struct equiv_code *a, const bool *amask,
			   struct equiv_code *b, struct equiv_pair **pairs,
			   size_t *n)
{
	struct equiv_pair *v = xcalloc(a->nkeep + 1, sizeof(*v));
	size_t ka = 0, kb = 0;
	uint64_t bpos = 0;

	for (*n = 0, *pairs = v; ka < a->nkeep; (*n)++) {
		struct equiv_pair *p = &v[*n];
		const cs_insn *ia = &a->insn[a->keep[ka]];

		*p = (struct equiv_pair){ka, 1, kb, 1, ia->address, 0, false};
		if (kb < b->nkeep &&
		    equiv_single(ia, &b->insn[b->keep[kb]], amask))
			p->bstart = b->insn[b->keep[kb]].address;
		else if (!equiv_run(a, amask, b, bpos, p))
			return false;
		for (size_t i = 0; i < p->na; i++)
			a->unit[ka++] = *n;
		for (size_t i = 0; i < p->nb; i++)
			b->unit[kb++] = *n;
		bpos = equiv_end(p->run ? a : b, p->run ? ka : kb);
		if (p->run)
			bpos += p->bstart - p->astart;
	}
	a->unit[a->nkeep] = b->unit[b->nkeep] = *n;
	v[*n] = (struct equiv_pair){ka, 0, kb, 0, a->len, 0, false};
	return kb == b->nkeep;
}

/* Compare instruction @ia of @a with @ib of @b. */
static bool equiv_insn(const struct equiv_code *a, const cs_insn *ia,
		       const bool *amask, const unsigned char *abytes,
		       const struct equiv_code *b, const cs_insn *ib,
		       const unsigned char *bbytes)
{
	if (ia->id == ib->id && equiv_is_branch(ia) && equiv_is_branch(ib)) {
		long ta, tb;

		/* A relocated branch leaves the function: the linker chose
		 * its target, and its encoding in @b may be relaxed too. */
		if (equiv_masked(amask, ia))
			return true;
		ta = equiv_index(a, (uint64_t)ia->detail->x86.operands[0].imm);
		tb = equiv_index(b, (uint64_t)ib->detail->x86.operands[0].imm);
		return ta >= 0 && tb >= 0 && a->unit[ta] == b->unit[tb];
	}
	/* The linker may turn a GOT load into lea, keeping the length; the
	 * opcode bytes it may rewrite are masked. */
	if (ia->size != ib->size ||
	    (ia->id != ib->id && !equiv_masked(amask, ia)))
		return false;
	for (size_t k = 0; k < ia->size; k++)
		if (!amask[ia->address + k] &&
		    abytes[ia->address + k] != bbytes[ib->address + k])
			return false;
	return true;
}

/* Code that does not decode (data in .text): plain masked comparison. */
static int equiv_bytes(const unsigned char *a, size_t alen, const bool *amask,
		       const unsigned char *b, size_t blen, size_t *adiff,
		       size_t *bdiff)
{
	size_t i;

	for (i = 0; i < alen && i < blen; i++)
		if (!amask[i] && a[i] != b[i])
			break;
	*adiff = *bdiff = i;
	return i == alen && alen == blen;
}

/* Where the units of @a and @b first differ, into *adiff and *bdiff. */
static void equiv_where(const struct equiv_code *a, const struct equiv_code *b,
			const struct equiv_pair *p, size_t *adiff,
			size_t *bdiff)
{
	*adiff = p->ka < a->nkeep ? a->insn[a->keep[p->ka]].address : a->len;
	*bdiff = p->kb < b->nkeep ? b->insn[b->keep[p->kb]].address : b->len;
}

/* Compare decoded @ca and @cb unit by unit. */
static int equiv_units(struct equiv_code *ca, const bool *amask,
		       const unsigned char *a, struct equiv_code *cb,
		       const unsigned char *b, size_t *adiff, size_t *bdiff)
{
	struct equiv_pair *v;
	size_t n;
	int ret = 1;

	if (!equiv_pair_all(ca, amask, cb, &v, &n))
		ret = 0;
	for (size_t i = 0; ret && i < n; i++)
		if (!v[i].run &&
		    !equiv_insn(ca, &ca->insn[ca->keep[v[i].ka]], amask, a, cb,
				&cb->insn[cb->keep[v[i].kb]], b)) {
			n = i;
			ret = 0;
		}
	if (!ret)
		equiv_where(ca, cb, &v[n], adiff, bdiff);
	free(v);
	return ret;
}

int arch_code_equiv(const unsigned char *a, size_t alen, const bool *amask,
		    const unsigned char *b, size_t blen, size_t *adiff,
		    size_t *bdiff)
{
	struct equiv_code ca, cb;
	int ret;
	bool whole;
	csh h;

	*adiff = *bdiff = 0;
	if (x86_cs(true, false, &h))
		return -ENOMEM;
	whole = equiv_decode(h, a, alen, &ca);
	whole = equiv_decode(h, b, blen, &cb) && whole;
	if (!whole)
		ret = equiv_bytes(a, alen, amask, b, blen, adiff, bdiff);
	else
		ret = equiv_units(&ca, amask, a, &cb, b, adiff, bdiff);
	equiv_free(&ca);
	equiv_free(&cb);
	return ret;
}

/* The kept-instruction index and the offset within it of byte @off. */
static bool equiv_locate(const struct equiv_code *c, uint64_t off, size_t *k,
			 uint64_t *within)
{
	for (size_t i = 0; i < c->nkeep; i++) {
		const cs_insn *in = &c->insn[c->keep[i]];

		if (off >= in->address && off < in->address + in->size) {
			*k = i;
			*within = off - in->address;
			return true;
		}
	}
	return false;
}

int arch_code_map(const unsigned char *a, size_t alen, const unsigned char *b,
		  size_t blen, const uint64_t *aoffs, uint64_t *boffs, size_t n)
{
	struct equiv_code ca, cb;
	bool ok;
	csh h;

	if (x86_cs(false, false, &h))
		return 0;
	ok = equiv_decode(h, a, alen, &ca);
	ok = equiv_decode(h, b, blen, &cb) && ok && ca.nkeep == cb.nkeep;
	for (size_t i = 0; i < n && ok; i++) {
		size_t k;
		uint64_t within;

		ok = equiv_locate(&ca, aoffs[i], &k, &within) &&
		     within < cb.insn[cb.keep[k]].size;
		if (ok)
			boffs[i] = cb.insn[cb.keep[k]].address + within;
	}
	equiv_free(&ca);
	equiv_free(&cb);
	return ok;
}
