/*
 * insn.c - x86-64 instruction decoding with Capstone: listings for review
 * and the "differs only in immediates" test that spots functions whose only
 * change is a shifted __LINE__ constant; what code refers to.
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/x86_64/cshandle.h"
#include "util/xalloc.h"

/*
 * Compare one instruction pair.  Returns 1 if equal but for immediates
 * (recorded), 0 if different otherwise.
 */
static int imm_only(const cs_insn *a, const cs_insn *b,
		    struct arch_imm_change *out, size_t max, size_t *n)
{
	const cs_x86 *xa = &a->detail->x86, *xb = &b->detail->x86;

	if (a->id != b->id || a->size != b->size ||
	    xa->op_count != xb->op_count)
		return 0;
	for (int i = 0; i < xa->op_count; i++) {
		const cs_x86_op *oa = &xa->operands[i], *ob = &xb->operands[i];

		if (oa->type != ob->type || oa->size != ob->size)
			return 0;
		if (oa->type != X86_OP_IMM) {
			if (memcmp(oa, ob, sizeof(*oa)))
				return 0;
			continue;
		}
		if (oa->imm == ob->imm)
			continue;
		if (*n < max)
			out[*n] = (struct arch_imm_change){a->address, oa->imm,
							   ob->imm};
		(*n)++;
	}
	return 1;
}

int arch_insn_imm_diff(const unsigned char *a, size_t alen,
		       const unsigned char *b, size_t blen,
		       struct arch_imm_change *out, size_t max, size_t *n)
{
	cs_insn *ia = NULL, *ib = NULL;
	size_t na, nb;
	int ret = 0;
	csh h;

	*n = 0;
	if (alen != blen)
		return 0;
	if (x86_cs(true, true, &h))
		return -ENOMEM;
	na = cs_disasm(h, a, alen, 0, 0, &ia);
	nb = cs_disasm(h, b, blen, 0, 0, &ib);
	if (na == nb && na > 0) {
		ret = 1;
		for (size_t i = 0; i < na && ret == 1; i++)
			ret = imm_only(&ia[i], &ib[i], out, max, n);
	}
	if (ia)
		cs_free(ia, na);
	if (ib)
		cs_free(ib, nb);
	return ret;
}

int arch_disasm(const unsigned char *code, size_t len, uint64_t addr,
		char **out)
{
	char *buf = NULL;
	size_t bufsz = 0;
	cs_insn *insn;
	size_t count;
	FILE *f;
	csh h;

	if (x86_cs(false, true, &h))
		return -ENOMEM;
	f = open_memstream(&buf, &bufsz);
	if (!f) {
		return -ENOMEM;
	}
	count = cs_disasm(h, code, len, addr, 0, &insn);
	for (size_t i = 0; i < count; i++)
		fprintf(f, "%8" PRIx64 ":  %-7s %s\n", insn[i].address,
			insn[i].mnemonic, insn[i].op_str);
	if (count)
		cs_free(insn, count);
	fclose(f);
	*out = buf;
	return (int)count;
}

/* The pc-relative target of @in, or 0; *pcrel tells a memory operand. */
static uint64_t insn_target(const cs_insn *in, bool *pcrel)
{
	const cs_x86 *x = &in->detail->x86;

	*pcrel = false;
	for (int i = 0; i < x->op_count; i++) {
		if (x->operands[i].type == X86_OP_MEM &&
		    x->operands[i].mem.base == X86_REG_RIP) {
			*pcrel = true;
			return in->address + in->size +
			       (uint64_t)x->operands[i].mem.disp;
		}
	}
	for (int i = 0; i < in->detail->groups_count; i++)
		if ((in->detail->groups[i] == CS_GRP_JUMP ||
		     in->detail->groups[i] == CS_GRP_CALL) &&
		    x->op_count == 1 && x->operands[0].type == X86_OP_IMM)
			return (uint64_t)x->operands[0].imm;
	return 0;
}

int arch_disasm_insns(const unsigned char *code, size_t len, uint64_t addr,
		      struct arch_insn **out, size_t *n)
{
	cs_insn *insn;
	size_t count;
	csh h;

	if (x86_cs(true, true, &h))
		return -ENOMEM;
	count = cs_disasm(h, code, len, addr, 0, &insn);
	*out = xcalloc(count + 1, sizeof(**out));
	for (size_t i = 0; i < count; i++) {
		struct arch_insn *o = &(*out)[i];

		o->addr = insn[i].address;
		o->size = insn[i].size;
		snprintf(o->text, sizeof(o->text), "%.31s %.160s",
			 insn[i].mnemonic, insn[i].op_str);
		o->target = insn_target(&insn[i], &o->pcrel);
	}
	if (count)
		cs_free(insn, count);
	*n = count;
	return 0;
}

void arch_insn_symbolic(const struct arch_insn *in, const char *name, char *buf,
			size_t len)
{
	const char *rip = strstr(in->text, "(%rip)");
	const char *sp = strchr(in->text, ' ');
	const char *start;

	if (!in->pcrel || !rip) {
		/* a branch: its only operand is the target */
		snprintf(buf, len, "%.*s %s",
			 (int)(sp ? sp - in->text : (long)strlen(in->text)),
			 in->text, name);
		return;
	}
	/* the displacement is the token before "(%rip)" */
	for (start = rip;
	     start > in->text && start[-1] != ' ' && start[-1] != ','; start--)
		;
	snprintf(buf, len, "%.*s%s%s", (int)(start - in->text), in->text, name,
		 rip);
}

void arch_code_targets(const unsigned char *code, size_t len, uint64_t addr,
		       uint64_t **out, size_t *n, size_t *cap)
{
	const uint8_t *p = code;
	cs_insn *in;
	csh h;

	if (x86_cs(true, true, &h))
		abort(); /* only without memory */
	in = cs_malloc(h);
	while (len) {
		uint64_t t;
		bool pcrel;

		if (!cs_disasm_iter(h, &p, &len, &addr, in)) {
			/* data among the code: step over one byte */
			p++, len--, addr++;
			continue;
		}
		if (!(t = insn_target(in, &pcrel)))
			continue;
		XGROW(*out, *cap, *n);
		(*out)[(*n)++] = t;
	}
	cs_free(in, 1);
}
