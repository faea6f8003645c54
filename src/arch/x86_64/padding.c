/*
 * padding.c - what x86-64 toolchains put between functions (arch.h,
 * arch_is_padding): int3 (lld's and some assemblers' fill), zero bytes
 * (section alignment in files) and nops of any length, the multi-byte
 * forms with their 0x66 and segment prefixes included.
 */
#include <capstone/capstone.h>

#include "arch/arch.h"
#include "arch/x86_64/cshandle.h"

#define INT3 0xcc

bool arch_is_padding(const unsigned char *code, size_t len)
{
	const uint8_t *p = code;
	uint64_t addr = 0;
	bool ok = true;
	cs_insn *in;
	csh h;

	if (x86_cs(false, false, &h))
		return false;
	in = cs_malloc(h);
	while (len && ok) {
		if (*p == INT3 || *p == 0) {
			p++, len--;
			continue;
		}
		/* "xchg %ax,%ax" (66 90) is the two-byte nop */
		ok = cs_disasm_iter(h, &p, &len, &addr, in) &&
		     (in->id == X86_INS_NOP ||
		      (in->size == 2 && in->bytes[0] == 0x66 &&
		       in->bytes[1] == 0x90));
	}
	cs_free(in, 1);
	return ok;
}
