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
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "util/xalloc.h"

/* One function decoded, nops dropped. */
struct equiv_code {
	cs_insn *insn;
	size_t count;
	size_t *keep; /* indices into insn of the non-nop instructions */
	size_t nkeep;
	size_t len;
};

static void equiv_free(struct equiv_code *c)
{
	if (c->insn)
		cs_free(c->insn, c->count);
	free(c->keep);
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
		return ta >= 0 && ta == tb;
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

int arch_code_equiv(const unsigned char *a, size_t alen, const bool *amask,
		    const unsigned char *b, size_t blen, size_t *adiff,
		    size_t *bdiff)
{
	struct equiv_code ca, cb;
	int ret = 1;
	bool whole;
	csh h;

	*adiff = *bdiff = 0;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return -ENOMEM;
	cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
	whole = equiv_decode(h, a, alen, &ca);
	whole = equiv_decode(h, b, blen, &cb) && whole;
	if (!whole)
		ret = equiv_bytes(a, alen, amask, b, blen, adiff, bdiff);
	for (size_t k = 0; whole && ret == 1 && k < ca.nkeep; k++) {
		const cs_insn *ia = &ca.insn[ca.keep[k]];

		if (k >= cb.nkeep || !equiv_insn(&ca, ia, amask, a, &cb,
						 &cb.insn[cb.keep[k]], b)) {
			*adiff = ia->address;
			*bdiff =
			    k < cb.nkeep ? cb.insn[cb.keep[k]].address : blen;
			ret = 0;
		}
	}
	if (whole && ret == 1 && ca.nkeep != cb.nkeep) {
		*adiff = alen;
		*bdiff = cb.insn[cb.keep[ca.nkeep]].address;
		ret = 0;
	}
	equiv_free(&ca);
	equiv_free(&cb);
	cs_close(&h);
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

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
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
	cs_close(&h);
	return ok;
}
