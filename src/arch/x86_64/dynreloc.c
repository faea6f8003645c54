/*
 * dynreloc.c - x86-64 dynamic relocations that suture reads back from a
 * running process to learn how its dynamic linker bound a symbol.
 */
#include <elf.h>

#include "arch/arch.h"

bool arch_dynreloc_is_slot(uint32_t type)
{
	return type == R_X86_64_GLOB_DAT || type == R_X86_64_JUMP_SLOT;
}

bool arch_dynreloc_is_irelative(uint32_t type)
{
	return type == R_X86_64_IRELATIVE;
}
