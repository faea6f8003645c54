/*
 * rescue.c - the x86-64 rescue stub (see arch.h) and the kernel's
 * system-call restart rules it must reproduce.
 *
 *   syscall                      ; the injected call
 *   rt_sigprocmask(SIG_SETMASK, &ctx_mask, NULL, 8)   ; park point
 *   mov   ctx_rsp(%rip), %rsp    ; the thread's own stack
 *   lea   -128(%rsp), %rsp       ; below its red zone
 *   pushq ctx(%rip)              ; ctx starts with the saved rflags
 *   popfq
 *   lea   128(%rsp), %rsp        ; lea changes no flag
 *   mov   ctx+8*k(%rip), %reg    ; for every general register but rsp
 *   jmp   *ctx_rip(%rip)
 *   mov   %rax, %r12             ; a called function returns here
 *   jmp   park
 *   ctx:  rflags, 15 registers, rsp, rip, signal mask
 *
 * The stub is in a read-only page: a called function's return value is
 * kept in %r12 (callee-saved, so the function itself leaves it alone and
 * the restore path puts the thread's own value back), where the tracer
 * reads it at the park point's system-call stop.
 *
 * mov does not change flags, so popfq can come first.  Once the mask is
 * back a signal may be delivered at any instruction of the restore (a
 * thread restores itself when suture has died, or after a quiet batch,
 * rbatch.h), and its frame goes below the stack pointer: so that is the
 * thread's own stack throughout, never the read-only ctx (the kernel,
 * unable to write the frame there, would kill the thread with SIGSEGV).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>

#include "arch/arch.h"

/* The kernel's internal restart codes (include/linux/errno.h). */
#define ERESTARTSYS	      512
#define ERESTARTNOINTR	      513
#define ERESTARTNOHAND	      514
#define ERESTART_RESTARTBLOCK 516

/* Registers restored by `mov`, with their x86 register numbers. */
static const struct {
	size_t off;
	unsigned char num;
} gprs[] = {
    {offsetof(arch_regs, rax), 0},  {offsetof(arch_regs, rcx), 1},
    {offsetof(arch_regs, rdx), 2},  {offsetof(arch_regs, rbx), 3},
    {offsetof(arch_regs, rbp), 5},  {offsetof(arch_regs, rsi), 6},
    {offsetof(arch_regs, rdi), 7},  {offsetof(arch_regs, r8), 8},
    {offsetof(arch_regs, r9), 9},   {offsetof(arch_regs, r10), 10},
    {offsetof(arch_regs, r11), 11}, {offsetof(arch_regs, r12), 12},
    {offsetof(arch_regs, r13), 13}, {offsetof(arch_regs, r14), 14},
    {offsetof(arch_regs, r15), 15},
};
#define NGPRS	  (sizeof(gprs) / sizeof(*gprs))
#define MASK_LEN  27		      /* the rt_sigprocmask sequence */
#define RET_LEN	  (3 + 5)	      /* the return path of a called function */
#define FLAGS_LEN (7 + 5 + 6 + 1 + 8) /* from mov ctx_rsp to lea 128 */
#define CODE_LEN  (2 + MASK_LEN + FLAGS_LEN + 7 * NGPRS + 6 + RET_LEN)
#define CTX_LEN	  (8 * (NGPRS + 4))

/* Emit `op reg, disp32(%rip)` (7 bytes) addressing @target from @at. */
static unsigned char *rip_op(unsigned char *p, uint64_t at, unsigned char op,
			     unsigned char reg, uint64_t target)
{
	int32_t disp = (int32_t)(target - (at + 7));

	p[0] = 0x48 | (reg >= 8 ? 0x04 : 0);
	p[1] = op;
	p[2] = (unsigned char)(0x05 | (reg & 7) << 3);
	memcpy(p + 3, &disp, 4);
	return p + 7;
}

size_t arch_rescue_len(void)
{
	return CODE_LEN + CTX_LEN;
}

size_t arch_rescue_park(void)
{
	return 2;
}

size_t arch_rescue_parked(void)
{
	return 2 + MASK_LEN;
}

size_t arch_rescue_return(void)
{
	return CODE_LEN - RET_LEN;
}

uint64_t arch_rescue_retval(const arch_regs *r)
{
	return r->r12;
}

void arch_call_setup(arch_regs *r, uint64_t fn, uint64_t ret,
		     unsigned char *frame, size_t *len, uint64_t *at)
{
	/* below the red zone, aligned as after a call: (rsp + 8) % 16 == 0 */
	uint64_t sp = ((r->rsp - arch_red_zone - 64) & ~(uint64_t)15) - 8;

	memcpy(frame, &ret, 8);
	*len = 8;
	*at = sp;
	r->rsp = sp;
	r->rip = fn;
	r->rax = 0;
	r->orig_rax = (uint64_t)-1;
}

/* rt_sigprocmask(SIG_SETMASK, @mask_at, NULL, 8) from @at: 27 bytes. */
static unsigned char *put_mask_restore(unsigned char *p, uint64_t at,
				       uint64_t mask_at)
{
	static const unsigned char mov_edi_2[5] = {0xbf, 2, 0, 0, 0};
	static const unsigned char tail[13] = {
	    0x31, 0xd2, /* xor %edx, %edx */
	    0x41, 0xba,
	    8,	  0,
	    0,	  0, /* mov $8, %r10d */
	    0xb8, SYS_rt_sigprocmask,
	    0,	  0,
	    0, /* mov $14, %eax */
	};

	memcpy(p, mov_edi_2, 5);
	p = rip_op(p + 5, at + 5, 0x8d, 6, mask_at); /* lea mask, %rsi */
	memcpy(p, tail, sizeof(tail));
	p += sizeof(tail);
	*p++ = 0x0f; /* syscall */
	*p++ = 0x05;
	return p;
}

/* From @at: the thread's stack pointer back (@ctx_rsp), then its flags
 * (@ctx) through a push below its red zone; FLAGS_LEN bytes. */
static unsigned char *put_flags_restore(unsigned char *p, uint64_t at,
					uint64_t ctx, uint64_t ctx_rsp)
{
	static const unsigned char below[5] = {0x48, 0x8d, 0x64, 0x24, 0x80};
	static const unsigned char back[9] = {0x9d, /* popfq */
					      0x48, 0x8d, 0xa4, 0x24,
					      0x80, 0,	  0,	0};
	int32_t disp;

	p = rip_op(p, at, 0x8b, 4, ctx_rsp); /* mov ctx_rsp, %rsp */
	memcpy(p, below, sizeof(below));     /* lea -128(%rsp), %rsp */
	p += sizeof(below);
	disp = (int32_t)(ctx - (at + 12 + 6));
	*p++ = 0xff; /* pushq ctx(%rip) */
	*p++ = 0x35;
	memcpy(p, &disp, 4);
	p += 4;
	memcpy(p, back, sizeof(back)); /* popfq; lea 128(%rsp), %rsp */
	return p + sizeof(back);
}

void arch_rescue_write(unsigned char *buf, uint64_t at, const arch_regs *resume,
		       uint64_t sigmask)
{
	uint64_t ctx = at + CODE_LEN, ctx_rsp = ctx + 8 * (NGPRS + 1);
	unsigned char *p = buf, *c = buf + CODE_LEN;
	int32_t disp;

	*p++ = 0x0f; /* syscall */
	*p++ = 0x05;
	p = put_mask_restore(p, at + (p - buf), ctx + 8 * (NGPRS + 3));
	p = put_flags_restore(p, at + (p - buf), ctx, ctx_rsp);
	for (size_t i = 0; i < NGPRS; i++)
		p = rip_op(p, at + (p - buf), 0x8b, gprs[i].num,
			   ctx + 8 * (i + 1));
	disp = (int32_t)(ctx_rsp + 8 - (at + (p - buf) + 6));
	*p++ = 0xff; /* jmp *ctx_rip(%rip) */
	*p++ = 0x25;
	memcpy(p, &disp, 4);
	p += 4;
	*p++ = 0x49; /* mov %rax, %r12 */
	*p++ = 0x89;
	*p++ = 0xc4;
	disp = (int32_t)(at + arch_rescue_park() - (at + (p - buf) + 5));
	*p++ = 0xe9; /* jmp park */
	memcpy(p, &disp, 4);

	memcpy(c, &resume->eflags, 8);
	for (size_t i = 0; i < NGPRS; i++)
		memcpy(c + 8 * (i + 1), (const char *)resume + gprs[i].off, 8);
	memcpy(c + 8 * (NGPRS + 1), &resume->rsp, 8);
	memcpy(c + 8 * (NGPRS + 2), &resume->rip, 8);
	memcpy(c + 8 * (NGPRS + 3), &sigmask, 8);
}

void arch_regs_resume(const arch_regs *stopped, arch_regs *resume)
{
	long ret = (long)stopped->rax;

	*resume = *stopped;
	arch_regs_unintr(resume);
	if ((long)stopped->orig_rax < 0)
		return;
	switch (-ret) {
	case ERESTARTSYS:
	case ERESTARTNOINTR:
	case ERESTARTNOHAND:
		resume->rax = stopped->orig_rax;
		resume->rip -= 2;
		break;
	case ERESTART_RESTARTBLOCK:
		resume->rax = SYS_restart_syscall;
		resume->rip -= 2;
		break;
	}
	resume->orig_rax = (uint64_t)-1;
	/* The single-step flag must not survive into the resumed thread. */
	resume->eflags &= ~0x100ULL;
}
