/*
 * regs.c - x86-64 registers as ptrace shows them (struct user_regs_struct):
 * program counter, stack pointer, system-call injection and the DWARF
 * register numbering the unwinder uses.
 */
#include <elf.h>
#include <errno.h>
#include <linux/audit.h>
#include <stddef.h>
#include <sys/syscall.h>

#include "arch/arch.h"

const unsigned char arch_syscall_insn[] = {0x0f, 0x05}; /* syscall */
const uint32_t arch_audit_arch = AUDIT_ARCH_X86_64;
const size_t arch_syscall_insn_len = sizeof(arch_syscall_insn);
const size_t arch_red_zone = 128;
const unsigned int arch_fp_regset = NT_X86_XSTATE;

uint64_t arch_regs_pc(const arch_regs *r)
{
	return r->rip;
}

uint64_t arch_regs_sp(const arch_regs *r)
{
	return r->rsp;
}

uint64_t arch_regs_tp(const arch_regs *r)
{
	return r->fs_base;
}

/* PTR_MANGLE is "xor %fs:0x30, reg; rol $0x11, reg". */
const unsigned arch_ptr_mangle_rot = 17;

/* mov $SYS_rt_sigreturn, %rax; syscall: glibc's and musl's __restore_rt */
const unsigned char arch_sigreturn_code[] = {0x48, 0xc7, 0xc0, 0x0f, 0x00,
					     0x00, 0x00, 0x0f, 0x05};
const size_t arch_sigreturn_len = sizeof(arch_sigreturn_code);

void arch_regs_set_pc(arch_regs *r, uint64_t pc)
{
	r->rip = pc;
}

void arch_syscall_setup(arch_regs *r, uint64_t insn_addr, long nr,
			const uint64_t args[6])
{
	r->rax = (uint64_t)nr;
	r->rdi = args[0];
	r->rsi = args[1];
	r->rdx = args[2];
	r->r10 = args[3];
	r->r8 = args[4];
	r->r9 = args[5];
	r->rip = insn_addr;
	/*
	 * orig_rax = -1 tells the kernel that the thread is not inside a
	 * system call, so when it resumes it does not "restart" an interrupted
	 * call by moving rip back over our injected instruction.  Restoring
	 * the saved registers later brings the real orig_rax (and the
	 * -ERESTART* rax) back, and the interrupted call restarts as if
	 * nothing happened.
	 */
	r->orig_rax = (uint64_t)-1;
}

long arch_syscall_result(const arch_regs *r)
{
	return (long)r->rax;
}

void arch_dwarf_regs(const arch_regs *r, uint64_t *out)
{
	/* DWARF numbering of the x86-64 psABI, figure 3.36. */
	out[0] = r->rax;
	out[1] = r->rdx;
	out[2] = r->rcx;
	out[3] = r->rbx;
	out[4] = r->rsi;
	out[5] = r->rdi;
	out[6] = r->rbp;
	out[7] = r->rsp;
	out[8] = r->r8;
	out[9] = r->r9;
	out[10] = r->r10;
	out[11] = r->r11;
	out[12] = r->r12;
	out[13] = r->r13;
	out[14] = r->r14;
	out[15] = r->r15;
	out[16] = r->rip;
}

/* System calls that return EINTR when merely stopped, never restarted. */
static const long eintr_calls[] = {
    SYS_epoll_wait,	 SYS_epoll_pwait,  SYS_epoll_pwait2,
    SYS_rt_sigtimedwait, SYS_io_getevents,
};

bool arch_regs_unintr(arch_regs *r)
{
	if ((long)r->orig_rax < 0 || (long)r->rax != -EINTR)
		return false;
	for (size_t i = 0; i < sizeof(eintr_calls) / sizeof(*eintr_calls); i++)
		if ((long)r->orig_rax == eintr_calls[i]) {
			r->rax = r->orig_rax;
			r->rip -= 2;
			return true;
		}
	return false;
}
