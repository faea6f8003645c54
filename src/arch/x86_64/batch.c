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
 *         test %r14, %r14; jz park          ; that was the notify entry
 *         test $KEEP, 56(%r15); cmovnz %rax, %r13
 *         add $72, %r15; dec %r14
 *         cmp $-4095, %rax; jae last        ; an error stops the calls
 *         test %r14, %r14; jnz top
 *   last: xor %r14d, %r14d; mov %r12, %r15; jmp top
 *
 * Nothing is pushed: the stack is not touched, and every register the
 * tail changes is put back by the restore path it ends in.
 */
#include <string.h>

#include "arch/arch.h"

/* The code up to and including the system call, and the rest. */
/* clang-format off */
static const unsigned char head[] = {
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
};
static const unsigned char store[] = {
	0x49, 0x89, 0x47, 0x40,		/* mov %rax, 64(%r15) */
	0x4d, 0x85, 0xf6,		/* test %r14, %r14 */
	0x0f, 0x84,			/* jz park: rel32 follows */
};
static const unsigned char next[] = {
	0x41, 0xf6, 0x47, 0x38, ARCH_BATCH_KEEP, /* test $KEEP, 56(%r15) */
	0x4c, 0x0f, 0x45, 0xe8,		/* cmovnz %rax, %r13 */
	0x49, 0x83, 0xc7, ARCH_BATCH_ENTRY, /* add $72, %r15 */
	0x49, 0xff, 0xce,		/* dec %r14 */
	0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff, /* cmp $-4095, %rax */
	0x73, 5,			/* jae last */
	0x4d, 0x85, 0xf6,		/* test %r14, %r14 */
	0x75,				/* jnz top: rel8 follows */
};
static const unsigned char last[] = {
	0x45, 0x31, 0xf6,		/* xor %r14d, %r14d */
	0x4d, 0x89, 0xe7,		/* mov %r12, %r15 */
	0xeb,				/* jmp top: rel8 follows */
};
/* clang-format on */
#define STORE_AT (sizeof(head))
#define NEXT_AT	 (STORE_AT + sizeof(store) + 4)
#define LAST_AT	 (NEXT_AT + sizeof(next) + 1)
#define LEN	 (LAST_AT + sizeof(last) + 1)

size_t arch_batch_len(void)
{
	return LEN;
}

size_t arch_batch_insn(void)
{
	return STORE_AT - 2;
}

void arch_batch_write(unsigned char *buf, uint64_t at, uint64_t park)
{
	int32_t rel = (int32_t)(park - (at + NEXT_AT));

	memcpy(buf, head, sizeof(head));
	memcpy(buf + STORE_AT, store, sizeof(store));
	memcpy(buf + STORE_AT + sizeof(store), &rel, 4);
	memcpy(buf + NEXT_AT, next, sizeof(next));
	buf[LAST_AT - 1] = (unsigned char)(-(int)LAST_AT);
	memcpy(buf + LAST_AT, last, sizeof(last));
	buf[LEN - 1] = (unsigned char)(-(int)LEN);
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
