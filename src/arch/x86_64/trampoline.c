/*
 * trampoline.c - x86-64 jumps: the 5-byte `jmp rel32` written over a
 * replaced function's entry, and the 14-byte absolute stub used when a call
 * from patch code must reach a library more than 2 GiB away.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "arch/arch.h"

const unsigned int arch_elf_machine = EM_X86_64;

#define JMP_REL32_LEN 5
#define JMP_ABS_LEN   14

size_t arch_trampoline_len(void)
{
	return JMP_REL32_LEN;
}

/* Whether a rel32 field whose next instruction starts at @next can express
 * the displacement to @target. */
static bool rel32_reaches(uint64_t next, uint64_t target)
{
	int64_t d = (int64_t)(target - next);

	return d >= INT32_MIN && d <= INT32_MAX;
}

int arch_trampoline_write(unsigned char *buf, uint64_t from, uint64_t to)
{
	int32_t rel;

	if (!rel32_reaches(from + JMP_REL32_LEN, to))
		return -ERANGE;
	rel = (int32_t)(to - (from + JMP_REL32_LEN));
	buf[0] = 0xe9;
	memcpy(buf + 1, &rel, sizeof(rel));
	return 0;
}

bool arch_trampoline_is(const unsigned char *have, uint64_t from, uint64_t to)
{
	unsigned char want[JMP_REL32_LEN];

	return !arch_trampoline_write(want, from, to) &&
	       !memcmp(want, have, sizeof(want));
}

bool arch_branch_reaches(uint64_t place, uint64_t target)
{
	/* A call's rel32 field is the last 4 bytes of the instruction. */
	return rel32_reaches(place + 4, target);
}

size_t arch_stub_len(void)
{
	return JMP_ABS_LEN;
}

/* jmp *0(%rip); .quad target */
static const unsigned char jmp_ind[6] = {0xff, 0x25, 0, 0, 0, 0};

void arch_stub_write(unsigned char *buf, uint64_t target)
{
	memcpy(buf, jmp_ind, sizeof(jmp_ind));
	memcpy(buf + sizeof(jmp_ind), &target, sizeof(target));
}

bool arch_stub_read(const unsigned char *buf, uint64_t *target)
{
	if (memcmp(buf, jmp_ind, sizeof(jmp_ind)))
		return false;
	memcpy(target, buf + sizeof(jmp_ind), sizeof(*target));
	return true;
}
