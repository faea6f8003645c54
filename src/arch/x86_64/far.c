/*
 * far.c - x86-64 references that do not reach their symbol (arch.h,
 * arch_far_rewrite).
 *
 * gcc reaches another module's data from an executable with a 32-bit field
 * (`mov stderr(%rip),%rax`, non-PIC `mov $environ,%eax` or
 * `mov tab(,%rax,4),%eax`), counting on the linker to copy the object next
 * to the executable.  A patch's new reference has no such copy, and the
 * library is usually more than 2 GiB away.  The instruction is rewritten to
 * take the symbol's address from a slot of the patch:
 *
 *   lea sym(%rip),%r64  ->  mov slot(%rip),%r64, in place: the reverse of
 *                           the linker's GOTPCRELX relaxation;
 *   mov $sym,%r         ->  jmp T   T: mov slot(%rip),%r64
 *                                      [lea off(%r64),%r64]; jmp back
 *   call/jmp sym        ->  call/jmp T   T: jmp *slot(%rip)
 *                           (a branch whose field is a plain PC32);
 *   call/jmp *sym(...)  ->  call/jmp T   T: mov slot(%rip),%r11
 *                                            jmp *off(%r11...)
 *                           %r11 is free at a call and a tail call: the ABI
 *                           passes nothing in it and keeps nothing across;
 *                           a call returns behind the 5-byte call, into the
 *                           filler nops, and goes on behind the original;
 *   anything else       ->  jmp T   T: lea -128(%rsp),%rsp; push %s
 *                                      mov slot(%rip),%s; INSN'; pop %s
 *                                      lea 128(%rsp),%rsp; jmp back
 *                           where INSN' is the instruction with its memory
 *                           operand based on %s, a register it does not
 *                           use (plus its own base register, if it has one:
 *                           `movzbl tab(%rax),%eax`), or its immediate
 *                           replaced by %s (farenc.c);
 *                           an instruction with both out of reach
 *                           (`movq $fn,hook(%rip)` without PIC) borrows
 *                           two registers.  None of the added instructions
 *                           changes the flags, and the red zone that leaf
 *                           code uses below %rsp is stepped over before the
 *                           pushes; an operand based on %rsp is corrected.
 *
 * At the site the instruction becomes a jump (or call) to the thunk and
 * nops.  Nothing else changes there: compilers branch only to instruction
 * starts, a branch to this one's start runs the jump as it would have run
 * the instruction, and arch_branches_into() checks that no direct branch
 * of the function lands inside it.  Refused, with a message naming the
 * instruction: instructions that use the stack pointer otherwise (push,
 * call, %rsp as a register: the thunk moves it), VEX/EVEX/XOP encodings,
 * 32-bit addresses, immediates of other instructions.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/x86_64/cshandle.h"
#include "arch/x86_64/far.h"

#define REG_R11 11
#define NOP	0x90

/* Registers a thunk may borrow, by number, with their Capstone names. */
static const struct {
	unsigned num;
	x86_reg names[5];
} scratch_regs[] = {
    {0, {X86_REG_AL, X86_REG_AH, X86_REG_AX, X86_REG_EAX, X86_REG_RAX}},
    {1, {X86_REG_CL, X86_REG_CH, X86_REG_CX, X86_REG_ECX, X86_REG_RCX}},
    {2, {X86_REG_DL, X86_REG_DH, X86_REG_DX, X86_REG_EDX, X86_REG_RDX}},
    {3, {X86_REG_BL, X86_REG_BH, X86_REG_BX, X86_REG_EBX, X86_REG_RBX}},
    {6, {X86_REG_SIL, X86_REG_SI, X86_REG_ESI, X86_REG_RSI}},
    {7, {X86_REG_DIL, X86_REG_DI, X86_REG_EDI, X86_REG_RDI}},
};

static const x86_reg sp_names[] = {X86_REG_SPL, X86_REG_SP, X86_REG_ESP,
				   X86_REG_RSP};
static const x86_reg r11_names[] = {X86_REG_R11B, X86_REG_R11W, X86_REG_R11D,
				    X86_REG_R11};

static bool among(x86_reg r, const x86_reg *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && names[i] == r)
			return true;
	return false;
}

/* Whether @in reads or writes (explicitly or implicitly) a register named
 * in @names. */
static bool uses(csh h, const cs_insn *in, const x86_reg *names, size_t n)
{
	cs_regs rd, wr;
	uint8_t nrd = 0, nwr = 0;

	if (cs_regs_access(h, in, rd, &nrd, wr, &nwr) != CS_ERR_OK)
		return true; /* cannot tell: assume it does */
	for (uint8_t i = 0; i < nrd; i++)
		if (among(rd[i], names, n))
			return true;
	for (uint8_t i = 0; i < nwr; i++)
		if (among(wr[i], names, n))
			return true;
	return false;
}

/*
 * Whether @in uses the stack pointer in a way a thunk that moves it would
 * change: implicitly (push, call), as a register operand or an index, or
 * as the base of a memory operand unless @base_ok (the operand is kept,
 * and far_emit_insn corrects its displacement).
 */
static bool stack_use(const cs_insn *in, bool base_ok)
{
	const cs_detail *d = in->detail;
	const cs_x86 *x = &d->x86;

	for (uint8_t i = 0; i < d->regs_read_count; i++)
		if (among(d->regs_read[i], sp_names, 4))
			return true;
	for (uint8_t i = 0; i < d->regs_write_count; i++)
		if (among(d->regs_write[i], sp_names, 4))
			return true;
	for (uint8_t i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];

		if (op->type == X86_OP_REG && among(op->reg, sp_names, 4))
			return true;
		if (op->type == X86_OP_MEM &&
		    (among(op->mem.index, sp_names, 4) ||
		     (!base_ok && among(op->mem.base, sp_names, 4))))
			return true;
	}
	return false;
}

static bool has_group(const cs_insn *in, uint8_t group)
{
	for (int i = 0; i < in->detail->groups_count; i++)
		if (in->detail->groups[i] == group)
			return true;
	return false;
}

static int refuse(const cs_insn *in, const char *why, struct error *err)
{
	return error_set(err, -ENOTSUP,
			 "the instruction '%s %s' cannot be rewritten to reach "
			 "it: %s",
			 in->mnemonic, in->op_str, why);
}

/* Which of @f's fields (in @in) is @at, or -1. */
static int field_at(const struct arch_far_ref *f, const cs_insn *in, size_t at)
{
	for (int k = 0; k < 2; k++)
		if (f->field[k].off != UINT64_MAX &&
		    f->field[k].off == in->address - f->addr + at)
			return k;
	return -1;
}

/* The prefixes and opcode of @in; refuses encodings far.c does not
 * rewrite. */
static int parse_prefixes(const cs_insn *in, struct far_insn *fi,
			  struct error *err)
{
	static const unsigned char legacy[] = {
	    0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65, 0x66, 0x67};
	const unsigned char *b = in->bytes;
	size_t i = 0;

	while (i < in->size && memchr(legacy, b[i], sizeof(legacy)))
		if (b[i++] == 0x67)
			return refuse(in, "it uses 32-bit addresses", err);
	fi->rex = i < in->size && (b[i] & 0xf0) == 0x40 ? i++ : FAR_NONE;
	fi->op = i;
	if (b[i] == 0xc4 || b[i] == 0xc5 || b[i] == 0x62 || b[i] == 0x8f)
		return refuse(in, "a VEX, EVEX or XOP encoding", err);
	return 0;
}

/* The base register (0-15) of @fi's memory operand with a 32-bit
 * displacement, or -1 if it has none (`tab(,%rax,4)`). */
static int base_reg(const struct far_insn *fi)
{
	const unsigned char *b = fi->in->bytes;
	unsigned char m = b[fi->modrm];
	bool rexb = fi->rex != FAR_NONE && (b[fi->rex] & REX_B);
	unsigned reg = (m & 7) == 4 ? b[fi->modrm + 1] & 7 : m & 7;

	if ((m & 7) == 4 && (m >> 6) == 0 && reg == 5)
		return -1; /* SIB without a base */
	return (int)(reg | (rexb ? 8 : 0));
}

/* The operands of @in: where its displacement and immediate are, which
 * of @f's fields they are, and what each wants. */
static int parse(const cs_insn *in, const struct arch_far_ref *f,
		 struct far_insn *fi, struct error *err)
{
	const cs_x86_encoding *e = &in->detail->x86.encoding;
	const unsigned char *b = in->bytes;
	int r;

	memset(fi, 0, sizeof(*fi));
	fi->in = in;
	if ((r = parse_prefixes(in, fi, err)))
		return r;
	fi->modrm = e->modrm_offset ? e->modrm_offset : FAR_NONE;
	fi->disp_at =
	    e->disp_offset && e->disp_size == 4 ? e->disp_offset : FAR_NONE;
	fi->imm_at =
	    e->imm_offset && e->imm_size == 4 ? e->imm_offset : FAR_NONE;
	fi->end = e->imm_offset ? e->imm_offset : in->size; /* imm8 too */
	fi->rip = fi->modrm != FAR_NONE && (b[fi->modrm] & 0xc7) == 0x05;
	fi->disp_f =
	    fi->disp_at != FAR_NONE ? field_at(f, in, fi->disp_at) : -1;
	fi->imm_f = fi->imm_at != FAR_NONE ? field_at(f, in, fi->imm_at) : -1;
	if (fi->disp_f != 0 && fi->imm_f != 0)
		return refuse(in, "the reference is in no operand", err);
	fi->based = fi->disp_f >= 0 && !fi->rip ? base_reg(fi) : -1;
	if (fi->disp_f >= 0) /* rip-relative: from the field's end */
		fi->disp_off =
		    f->field[fi->disp_f].addend +
		    (fi->rip ? (int64_t)(in->size - fi->disp_at) : 0);
	if (fi->imm_f >= 0)
		fi->imm_off = f->field[fi->imm_f].addend;
	return 0;
}

/* The instruction at the site: a jump (or call) to the thunk, and nops. */
static int write_site(struct arch_far_ref *f, unsigned char op)
{
	unsigned char *site = f->code + f->insn_off;
	uint64_t next = f->addr + f->insn_off + 5;

	if (!far_fits32((int64_t)(f->thunk_addr - next)))
		return -ERANGE;
	site[0] = op;
	far_put32(site + 1, (int64_t)(f->thunk_addr - next));
	memset(site + 5, NOP, f->insn_len - 5);
	return 0;
}

/* lea sym(%rip),%r64 with no offset: mov slot(%rip),%r64 in place. */
static bool lea_in_place(struct arch_far_ref *f, const struct far_insn *fi)
{
	unsigned char *site = f->code + f->insn_off;
	uint64_t next = f->addr + f->insn_off + fi->in->size;
	uint64_t slot = f->field[fi->disp_f].slot;

	if (!fi->rip || fi->disp_off || fi->rex == FAR_NONE ||
	    !(site[fi->rex] & REX_W) || site[fi->op] != 0x8d ||
	    fi->op + 1 != fi->modrm || !far_fits32((int64_t)(slot - next)))
		return false;
	site[fi->op] = 0x8b;
	far_put32(site + fi->disp_at, (int64_t)(slot - next));
	return true;
}

/* Whether @fi is call *mem or jmp *mem (ff /2, ff /4). */
static bool indirect_branch(const struct far_insn *fi)
{
	const unsigned char *b = fi->in->bytes;
	unsigned reg = fi->modrm != FAR_NONE ? (b[fi->modrm] >> 3) & 7 : 0;

	return b[fi->op] == 0xff && (reg == 2 || reg == 4);
}

/* call/jmp *sym(...): through %r11, which the call clobbers anyway. */
static int via_r11(csh h, struct arch_far_ref *f, const struct far_insn *fi,
		   struct far_out *o, struct error *err)
{
	unsigned char m = fi->in->bytes[fi->modrm];
	struct far_insn jmp = *fi;
	cs_insn copy = *fi->in;

	if (uses(h, fi->in, r11_names, 4))
		return refuse(fi->in, "it indexes with %r11", err);
	if (fi->based == 4) /* %rsp cannot be the index of the lea */
		return refuse(fi->in, "its operand is based on %rsp", err);
	/* the thunk jumps: ff /4 */
	copy.bytes[fi->modrm] = (unsigned char)((m & 0xc7) | (4 << 3));
	jmp.in = &copy;
	far_emit_load(o, REG_R11, f->field[fi->disp_f].slot, 0);
	if (fi->based >= 0)
		far_emit_add(o, REG_R11, (unsigned)fi->based);
	if (far_emit_insn(&jmp, REG_R11, -1, 0, o))
		return -ERANGE;
	f->thunk_len = o->n;
	return write_site(f, ((m >> 3) & 7) == 2 ? 0xe8 : 0xe9);
}

/* call/jmp sym with a plain pc-relative field (old assemblers' PC32):
 * to a thunk that jumps through the slot, the same length. */
static bool branch_far(struct arch_far_ref *f, const struct far_insn *fi,
		       struct far_out *o)
{
	unsigned char op = fi->in->bytes[fi->op];

	if ((op != 0xe8 && op != 0xe9) || fi->op != 0 || fi->imm_f != 0 ||
	    fi->in->size != 5)
		return false;
	far_emit_jmp_slot(o, f->field[0].slot);
	f->thunk_len = o->n;
	return !write_site(f, op);
}

/* mov $sym,%r32 / movq $sym,%r64: load the slot into the register. */
static bool load_imm(struct arch_far_ref *f, const struct far_insn *fi,
		     struct far_out *o)
{
	const unsigned char *b = fi->in->bytes;
	bool rexw = fi->rex != FAR_NONE && (b[fi->rex] & REX_W);
	bool rexb = fi->rex != FAR_NONE && (b[fi->rex] & REX_B);
	unsigned dest;

	if (fi->disp_f >= 0)
		return false;
	if ((b[fi->op] & 0xf8) == 0xb8 && !rexw)
		dest = b[fi->op] & 7;
	else if (b[fi->op] == 0xc7 && (b[fi->modrm] & 0xf8) == 0xc0)
		dest = b[fi->modrm] & 7;
	else
		return false;
	far_emit_load(o, dest | (rexb ? 8 : 0), f->field[fi->imm_f].slot,
		      fi->imm_off);
	far_emit_jmp(o, f->addr + f->insn_off + f->insn_len);
	f->thunk_len = o->n;
	return true;
}

/* Registers @in does not use, into @regs (@n of them); false if there
 * are not enough. */
static bool borrowable(csh h, const cs_insn *in, unsigned *regs, size_t n)
{
	size_t k = 0;

	for (size_t i = 0;
	     i < sizeof(scratch_regs) / sizeof(*scratch_regs) && k < n; i++)
		if (!uses(h, in, scratch_regs[i].names, 5))
			regs[k++] = scratch_regs[i].num;
	return k == n;
}

/*
 * The thunk that borrows registers: @regs[0] for the memory operand's
 * base if its displacement is out of reach, the next for the immediate if
 * it is.  The stack moves over the red zone and the saved registers.
 */
static int borrow(struct arch_far_ref *f, const struct far_insn *fi,
		  const unsigned *regs, size_t n, struct far_out *o)
{
	static const unsigned char down[5] = {0x48, 0x8d, 0x64, 0x24, 0x80};
	static const unsigned char up[8] = {0x48, 0x8d, 0xa4, 0x24,
					    0x80, 0x00, 0x00, 0x00};
	int base = fi->disp_f >= 0 ? (int)regs[0] : -1;
	int ireg = fi->imm_f >= 0 ? (int)regs[n - 1] : -1;

	far_emit(o, down, sizeof(down)); /* lea -128(%rsp),%rsp */
	for (size_t i = 0; i < n; i++)
		far_emit(o, &(unsigned char){0x50 + regs[i]}, 1);
	if (base >= 0)
		far_emit_load(o, (unsigned)base, f->field[fi->disp_f].slot, 0);
	if (base >= 0 && fi->based >= 0)
		far_emit_add(o, (unsigned)base, (unsigned)fi->based);
	if (ireg >= 0)
		far_emit_load(o, (unsigned)ireg, f->field[fi->imm_f].slot,
			      fi->imm_off);
	if (far_emit_insn(fi, base, ireg, 128 + 8 * (int64_t)n, o))
		return -ERANGE;
	for (size_t i = n; i-- > 0;)
		far_emit(o, &(unsigned char){0x58 + regs[i]}, 1);
	far_emit(o, up, sizeof(up)); /* lea 128(%rsp),%rsp */
	far_emit_jmp(o, f->addr + f->insn_off + f->insn_len);
	f->thunk_len = o->n;
	return write_site(f, 0xe9);
}

/* The general case: the instruction moved into a thunk, with borrowed
 * registers for what is out of reach. */
static int via_borrowed(csh h, struct arch_far_ref *f,
			const struct far_insn *fi, struct far_out *o,
			struct error *err)
{
	const cs_insn *in = fi->in;
	size_t n = (fi->disp_f >= 0) + (fi->imm_f >= 0);
	unsigned regs[2];

	if (fi->imm_f >= 0 && !far_imm_form(fi))
		return refuse(in,
			      "its immediate is not that of a 64-bit "
			      "operation or store",
			      err);
	if (has_group(in, CS_GRP_JUMP) || has_group(in, CS_GRP_CALL) ||
	    has_group(in, CS_GRP_RET) || stack_use(in, fi->disp_f < 0))
		return refuse(in, "it uses the stack pointer", err);
	if (!borrowable(h, in, regs, n))
		return refuse(in, "it leaves no register to borrow", err);
	return borrow(f, fi, regs, n, o);
}

/* Rewrite the decoded instruction @in, its thunk written into @o. */
static int rewrite_insn(csh h, struct arch_far_ref *f, const cs_insn *in,
			struct far_out *o, struct error *err)
{
	struct far_insn fi;
	int r;

	if ((r = parse(in, f, &fi, err)))
		return r;
	if (in->size < 5) /* cannot happen: opcode and a 4-byte field */
		return refuse(in, "it is too short for a jump", err);
	f->insn_off = in->address - f->addr;
	f->insn_len = in->size;
	f->nfields = (fi.disp_f >= 0) + (fi.imm_f >= 0);
	if (arch_branches_into(f->code, f->len, f->addr, in->address,
			       in->address + in->size))
		return refuse(in,
			      "the function branches into it, or does not "
			      "decode whole",
			      err);
	if (fi.imm_f < 0 && lea_in_place(f, &fi))
		return 0;
	if (fi.imm_f < 0 && indirect_branch(&fi))
		return via_r11(h, f, &fi, o, err);
	if (branch_far(f, &fi, o))
		return 0;
	if (load_imm(f, &fi, o))
		return write_site(f, 0xe9);
	return via_borrowed(h, f, &fi, o, err);
}

/*
 * Rewrite @in with its thunk made in a buffer larger than any thunk can be
 * (the longest, two borrowed registers around a 15-byte instruction, is
 * 62 bytes), then copied if it fits ARCH_THUNK_MAX.
 */
static int rewrite(csh h, struct arch_far_ref *f, const cs_insn *in,
		   struct error *err)
{
	unsigned char buf[2 * ARCH_THUNK_MAX];
	struct far_out o = {buf, 0, f->thunk_addr};
	int r = rewrite_insn(h, f, in, &o, err);

	if (r)
		return r == -ERANGE
			   ? refuse(in, "its thunk is out of reach", err)
			   : r;
	if (f->thunk_len > ARCH_THUNK_MAX)
		return refuse(in, "its thunk would be too long", err);
	memcpy(f->thunk, buf, f->thunk_len);
	return 0;
}

bool arch_far_candidate(uint32_t type)
{
	return type == R_X86_64_PC32 || type == R_X86_64_32 ||
	       type == R_X86_64_32S;
}

int arch_far_rewrite(struct arch_far_ref *f, struct error *err)
{
	uint64_t off = f->field[0].off;
	const cs_insn *hit = NULL;
	cs_insn *insn;
	size_t count;
	csh h;
	int r;

	f->thunk_len = 0;
	f->nfields = 0;
	if (x86_cs(true, true, &h)) /* AT&T: as suture review */
		return -ENOMEM;
	count = cs_disasm(h, f->code, f->len, f->addr, 0, &insn);
	for (size_t i = 0; i < count && !hit; i++)
		if (insn[i].address - f->addr <= off &&
		    off < insn[i].address - f->addr + insn[i].size)
			hit = &insn[i];
	if (hit)
		r = rewrite(h, f, hit, err);
	else
		r = error_set(err, -ENOTSUP,
			      "the code around it does not decode");
	if (count)
		cs_free(insn, count);
	return r;
}
