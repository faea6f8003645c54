/*
 * batch.c - the x86-64 batch tail of the rescue stub (arch.h): it runs a
 * table of system calls and then the park point's restore.
 *
 *   r15 = the entry, r14 = calls left, r13 = the kept descriptor,
 *   r12 = the notify entry
 *
 *   top:  mov rax/rdi/rsi/rdx/r10/r8/r9, [r15 + 0..48]
 *         test $FD0, 56(%r15); cmovnz %r13, %rdi
 *         test $FD4, 56(%r15); cmovnz %r13, %r8
 *         syscall
 *         mov %rax, 64(%r15)
 *         test $STORE, 56(%r15); jz 2f
 *         mov %eax, (%r8); mov %eax, (%r9)  ; the result, into memory
 *   2:    test %r14, %r14; jz park          ; that was the notify entry
 *         test $KEEP, 56(%r15); cmovnz %rax, %r13
 *         test $SOFT, 56(%r15); jnz 1f      ; its failure does not count
 *         cmp $-4095, %rax; jae last        ; an error stops the calls
 *         test $AT, 56(%r15); jz 1f
 *         cmp 8(%r15), %rax; jne last       ; so does a call not AT arg 0
 *   1:    add $72, %r15; dec %r14
 *         test %r14, %r14; jnz top
 *         test $QUIET, 56(%r12); jnz ok     ; every call succeeded
 *   last: xor %r14d, %r14d; mov %r12, %r15; jmp top
 *   ok:   mov 64(%r12), %rcx                ; minus the calls' entries' size
 *   z:    movq $0, (%r12,%rcx); add $8, %rcx; jnz z
 *         jmp park
 *
 * The ok path wipes the table (it holds the addresses mapped: left in the
 * dead part of the stack, they would later look like references to them,
 * refscan.h) because no tracer can once the thread runs on.  Nothing is
 * pushed: every register the tail changes is put back by the restore path
 * it ends in.
 */
#include <string.h>

#include "arch/arch.h"

/* clang-format off */
static const unsigned char code[] = {
	0x49, 0x8b, 0x07,		/* mov (%r15), %rax */
	0x49, 0x8b, 0x7f, 0x08,		/* mov 8(%r15), %rdi */
	0x49, 0x8b, 0x77, 0x10,		/* mov 16(%r15), %rsi */
	0x49, 0x8b, 0x57, 0x18,		/* mov 24(%r15), %rdx */
	0x4d, 0x8b, 0x57, 0x20,		/* mov 32(%r15), %r10 */
	0x4d, 0x8b, 0x47, 0x28,		/* mov 40(%r15), %r8 */
	0x4d, 0x8b, 0x4f, 0x30,		/* mov 48(%r15), %r9 */
	0x41, 0xf6, 0x47, 0x38, ARCH_BATCH_FD0, /* test $FD0, 56(%r15) */
	0x49, 0x0f, 0x45, 0xfd,		/* cmovnz %r13, %rdi */
	0x41, 0xf6, 0x47, 0x38, ARCH_BATCH_FD4, /* test $FD4, 56(%r15) */
	0x4d, 0x0f, 0x45, 0xc5,		/* cmovnz %r13, %r8 */
	0x0f, 0x05,			/* syscall */
	/* 0x2f: store */
	0x49, 0x89, 0x47, 0x40,		/* mov %rax, 64(%r15) */
	0x41, 0xf6, 0x47, 0x38, ARCH_BATCH_STORE, /* test $STORE, 56(%r15) */
	0x74, 0x06,			/* jz 2f */
	0x41, 0x89, 0x00,		/* mov %eax, (%r8) */
	0x41, 0x89, 0x01,		/* mov %eax, (%r9) */
	/* 0x40: 2 */
	0x4d, 0x85, 0xf6,		/* test %r14, %r14 */
	0x0f, 0x84, 0, 0, 0, 0,		/* jz park */
	/* 0x49 */
	0x41, 0xf6, 0x47, 0x38, ARCH_BATCH_KEEP, /* test $KEEP, 56(%r15) */
	0x4c, 0x0f, 0x45, 0xe8,		/* cmovnz %rax, %r13 */
	0x41, 0xf6, 0x47, 0x38, ARCH_BATCH_SOFT, /* test $SOFT, 56(%r15) */
	0x75, 0x15,			/* jnz 1f */
	0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff, /* cmp $-4095, %rax */
	0x73, 0x21,			/* jae last */
	0x41, 0xf6, 0x47, 0x38, ARCH_BATCH_AT, /* test $AT, 56(%r15) */
	0x74, 0x06,			/* jz 1f */
	0x49, 0x3b, 0x47, 0x08,		/* cmp 8(%r15), %rax */
	0x75, 0x14,			/* jne last */
	/* 0x6e: 1 */
	0x49, 0x83, 0xc7, ARCH_BATCH_ENTRY, /* add $72, %r15 */
	0x49, 0xff, 0xce,		/* dec %r14 */
	0x4d, 0x85, 0xf6,		/* test %r14, %r14 */
	0x75, 0x86,			/* jnz top */
	0x41, 0xf6, 0x44, 0x24, 0x38, ARCH_BATCH_QUIET, /* test, 56(%r12) */
	0x75, 0x0b,			/* jnz ok */
	/* 0x82: last */
	0x45, 0x31, 0xf6,		/* xor %r14d, %r14d */
	0x4d, 0x89, 0xe7,		/* mov %r12, %r15 */
	0xe9, 0x73, 0xff, 0xff, 0xff,	/* jmp top */
	/* 0x8d: ok */
	0x49, 0x8b, 0x4c, 0x24, 0x40,	/* mov 64(%r12), %rcx */
	0x49, 0xc7, 0x04, 0x0c, 0, 0, 0, 0, /* z: movq $0, (%r12,%rcx) */
	0x48, 0x83, 0xc1, 0x08,		/* add $8, %rcx */
	0x75, 0xf2,			/* jnz z */
	0xe9, 0, 0, 0, 0,		/* jmp park */
};
/* clang-format on */
#define STORE_AT    0x2f
#define JZ_PARK_END 0x49
#define LEN	    sizeof(code)

size_t arch_batch_len(void)
{
	return LEN;
}

size_t arch_batch_insn(void)
{
	return STORE_AT - 2;
}

/* Fill in the rel32 of the jump that ends at @end (from @at) to @park. */
static void to_park(unsigned char *buf, uint64_t at, size_t end, uint64_t park)
{
	int32_t rel = (int32_t)(park - (at + end));

	memcpy(buf + end - 4, &rel, 4);
}

void arch_batch_write(unsigned char *buf, uint64_t at, uint64_t park)
{
	memcpy(buf, code, LEN);
	to_park(buf, at, JZ_PARK_END, park);
	to_park(buf, at, LEN, park);
}

void arch_batch_setup(arch_regs *r, uint64_t at, uint64_t table, size_t n,
		      uint64_t notify)
{
	r->rip = at;
	r->r15 = n ? table : notify;
	r->r14 = n;
	r->r13 = (uint64_t)-1;
	r->r12 = notify;
	r->orig_rax = (uint64_t)-1;
}

bool arch_batch_done(const arch_regs *r, uint64_t at, uint64_t notify)
{
	return r->rip == at + STORE_AT && !r->r14 && r->r15 == notify;
}
