/*
 * plt.c - finding an x86-64 PLT entry by the GOT slot it jumps through.
 *
 * Every PLT flavour ld and lld write (lazy .plt, .plt.sec with IBT, static
 * programs' IRELATIVE .plt) jumps with `jmp *slot(%rip)` (ff 25 disp32),
 * possibly with a bnd prefix (f2) and after an endbr64 (f3 0f 1e fa) that
 * starts the entry.
 */
#include <string.h>

#include "arch/arch.h"

static const unsigned char endbr64[] = {0xf3, 0x0f, 0x1e, 0xfa};

/* Where the entry whose jmp opcode is at offset @i of @code starts. */
static size_t plt_entry_start(const unsigned char *code, size_t i)
{
	if (i >= 1 && code[i - 1] == 0xf2) /* bnd */
		i--;
	if (i >= sizeof(endbr64) &&
	    !memcmp(code + i - sizeof(endbr64), endbr64, sizeof(endbr64)))
		i -= sizeof(endbr64);
	return i;
}

uint64_t arch_plt_entry(const unsigned char *code, size_t len, uint64_t addr,
			uint64_t slot)
{
	for (size_t i = 0; i + 6 <= len; i++) {
		int32_t disp;

		if (code[i] != 0xff || code[i + 1] != 0x25)
			continue;
		memcpy(&disp, code + i + 2, sizeof(disp));
		if (addr + i + 6 + (int64_t)disp == slot)
			return addr + plt_entry_start(code, i);
	}
	return 0;
}
