/*
 * far.h - what far.c (deciding how to rewrite an instruction that does
 * not reach its symbol) and farenc.c (encoding the rewritten forms) share.
 * Internal to src/arch/x86_64.
 */
#ifndef SUTURE_ARCH_X86_64_FAR_H
#define SUTURE_ARCH_X86_64_FAR_H

#include <capstone/capstone.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAR_NONE ((size_t)-1)
#define REX_W	 0x08
#define REX_R	 0x04
#define REX_X	 0x02
#define REX_B	 0x01

/* The instruction being rewritten, and where its parts are. */
struct far_insn {
	const cs_insn *in;
	size_t rex;	  /* offset of the REX prefix, or FAR_NONE */
	size_t op;	  /* offset of the first opcode byte */
	size_t modrm;	  /* offset of the ModRM byte, or FAR_NONE */
	size_t disp_at;	  /* offset of a 4-byte displacement, or FAR_NONE */
	size_t imm_at;	  /* offset of a 4-byte immediate, or FAR_NONE */
	size_t end;	  /* end of the memory operand: where an immediate
			     of any size starts, or the size */
	bool rip;	  /* the memory operand is rip-relative */
	int based;	  /* its base register (0-15), or -1: none or rip */
	int disp_f;	  /* the field (0, 1) that is the displacement, or -1 */
	int imm_f;	  /* the field that is the immediate, or -1 */
	int64_t disp_off; /* the operand is at the displacement's symbol +
			     disp_off */
	int64_t imm_off;  /* the immediate is its symbol + imm_off */
};

/* A thunk being written. */
struct far_out {
	unsigned char *b;
	size_t n;
	uint64_t at; /* run-time address of b[0] */
};

bool far_fits32(int64_t v);
void far_put32(unsigned char *p, int64_t v);
void far_emit(struct far_out *o, const void *bytes, size_t n);

/* mov slot(%rip),%reg; with @off, lea off(%reg),%reg after it: the
 * symbol's address plus @off in register @reg (0-15).  No flag changes. */
void far_emit_load(struct far_out *o, unsigned reg, uint64_t slot, int64_t off);

/* lea (%reg,%base,1),%reg: register @base added, no flag changes. */
void far_emit_add(struct far_out *o, unsigned reg, unsigned base);

/* jmp target (rel32) */
void far_emit_jmp(struct far_out *o, uint64_t target);

/* jmp *slot(%rip) */
void far_emit_jmp_slot(struct far_out *o, uint64_t slot);

/*
 * far_emit_insn - @fi's instruction, moved to the thunk and changed:
 * with @base >= 0 its memory operand is based on that register at
 * fi->disp_off, its index kept (instead of rip-relative, absolute, or based
 * on fi->based, which the caller added to @base); with @ireg >= 0 its
 * 32-bit immediate is that register (the register form of the same
 * operation, see far_imm_form).  A memory operand kept that is based on
 * %rsp is corrected by @stack, the bytes the thunk moved %rsp down; one
 * that is rip-relative is re-aimed.  -ERANGE if that does not reach.
 */
int far_emit_insn(const struct far_insn *fi, int base, int ireg, int64_t stack,
		  struct far_out *o);

/* far_imm_form - whether far_emit_insn can make @fi's immediate a
 * register: a 64-bit ALU operation (81 /n, or its short form on %rax) or
 * store (c7 /0) with a 32-bit immediate. */
bool far_imm_form(const struct far_insn *fi);

#endif
