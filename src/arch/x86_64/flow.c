/*
 * flow.c - where x86-64 code can leave the straight line (arch.h,
 * arch_code_flow), decoded with Capstone: returns, direct jumps
 * (conditional or not) and jumps through a register or memory.
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <stdlib.h>

#include "arch/arch.h"
#include "arch/x86_64/cshandle.h"
#include "util/xalloc.h"

/* How @in leaves the straight line, or -1 if it does not. */
static int flow_kind(csh h, const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;

	if (cs_insn_group(h, in, CS_GRP_RET) ||
	    cs_insn_group(h, in, CS_GRP_IRET))
		return ARCH_FLOW_RETURN;
	if (!cs_insn_group(h, in, CS_GRP_JUMP))
		return -1;
	return x->op_count == 1 && x->operands[0].type == X86_OP_IMM
		   ? ARCH_FLOW_JUMP
		   : ARCH_FLOW_INDIRECT;
}

int arch_code_flow(const unsigned char *code, size_t len,
		   struct arch_flow_insn **out, size_t *n)
{
	cs_insn *insn = NULL;
	size_t count, done = 0;
	int ret = 0;
	csh h;

	*out = NULL;
	*n = 0;
	if (x86_cs(true, false, &h))
		return -ENOMEM;
	count = cs_disasm(h, code, len, 0, 0, &insn);
	*out = xcalloc(count + 1, sizeof(**out));
	for (size_t i = 0; i < count; i++) {
		int kind = flow_kind(h, &insn[i]);

		done += insn[i].size;
		if (kind >= 0)
			(*out)[(*n)++] = (struct arch_flow_insn){
			    insn[i].address, insn[i].size, kind};
	}
	if (done != len)
		ret = -EINVAL;
	if (count)
		cs_free(insn, count);
	return ret;
}
