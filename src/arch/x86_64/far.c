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
 *   call/jmp *sym(...)  ->  call/jmp T   T: mov slot(%rip),%r11
 *                                            jmp *off(%r11...)
 *                           %r11 is free at a call and a tail call: the ABI
 *                           passes nothing in it and keeps nothing across;
 *                           a call returns behind the 5-byte call, into the
 *                           filler nops, and goes on behind the original;
 *   anything else       ->  jmp T   T: lea -128(%rsp),%rsp; push %s
 *                                      mov slot(%rip),%s; INSN'; pop %s
 *                                      lea 128(%rsp),%rsp; jmp back
 *                           where INSN' is the instruction with its operand
 *                           based on %s, a register it does not use (an
 *                           immediate becomes %s).  None of these changes
 *                           the flags, and the red zone that leaf code uses
 *                           below %rsp is stepped over before the push.
 *
 * At the site the instruction becomes a jump (or call) to the thunk and
 * nops.  Nothing else changes there: compilers branch only to instruction
 * starts, a branch to this one's start runs the jump as it would have run
 * the instruction, and arch_branches_into() checks that no direct branch
 * of the function lands inside it.  Refused: instructions that use the
 * stack pointer (the thunk moves it), VEX/EVEX encodings, 32-bit addressing
 * and immediates of other instructions, with a message naming the
 * instruction.
 */
#include <capstone/capstone.h>
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arch/arch.h"

#define REX_W	  0x08
#define REX_R	  0x04
#define REX_X	  0x02
#define REX_B	  0x01
#define NONE	  ((size_t)-1)
#define REG_R11	  11
#define MODRM_MEM 0x80 /* mod=10: [base + disp32] */
#define NOP	  0x90
/* How far a thunk that borrows a register moves %rsp: over the red zone
 * (arch_red_zone) and the saved register. */
#define THUNK_STACK (128 + 8)

/* The instruction holding the field, and where its parts are. */
struct far_insn {
	const cs_insn *in;
	size_t rex;	 /* offset of the REX prefix, or NONE */
	size_t op;	 /* offset of the first opcode byte */
	size_t modrm;	 /* offset of the ModRM byte, or NONE */
	size_t field;	 /* offset of the relocated field */
	bool disp;	 /* the field is a displacement (else immediate) */
	bool rip;	 /* rip-relative (else absolute) memory operand */
	int64_t sym_off; /* what the instruction wants: symbol + sym_off */
};

/* A thunk being written. */
struct far_out {
	unsigned char *b;
	size_t n;
	uint64_t at; /* run-time address of b[0] */
};

static bool fits32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

static void put32(unsigned char *p, int64_t v)
{
	int32_t w = (int32_t)v;

	memcpy(p, &w, sizeof(w));
}

static void emit(struct far_out *o, const void *bytes, size_t n)
{
	memcpy(o->b + o->n, bytes, n);
	o->n += n;
}

/* A rel32 field at the end of what was emitted, aimed at @target. */
static void emit_rel32(struct far_out *o, uint64_t target)
{
	o->n += 4;
	put32(o->b + o->n - 4, (int64_t)(target - (o->at + o->n)));
}

/* mov slot(%rip), %reg (64-bit) */
static void emit_load(struct far_out *o, unsigned reg, uint64_t slot)
{
	unsigned char b[3] = {0x48 | (reg >= 8 ? REX_R : 0), 0x8b,
			      (unsigned char)(((reg & 7) << 3) | 5)};

	emit(o, b, sizeof(b));
	emit_rel32(o, slot);
}

/* lea off(%reg), %reg (64-bit) */
static void emit_lea_self(struct far_out *o, unsigned reg, int64_t off)
{
	unsigned char b[4] = {
	    0x48 | (reg >= 8 ? REX_R | REX_B : 0), 0x8d,
	    (unsigned char)(MODRM_MEM | (reg & 7) << 3 | (reg & 7)), 0x24};

	emit(o, b, (reg & 7) == 4 ? 4 : 3); /* r12 needs a SIB byte */
	o->n += 4;
	put32(o->b + o->n - 4, off);
}

static void emit_jmp(struct far_out *o, uint64_t target)
{
	const unsigned char op = 0xe9;

	emit(o, &op, 1);
	emit_rel32(o, target);
}

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
 * change: implicitly (push, call), as a register operand, or in a memory
 * operand, unless @base_ok and it is the base, whose displacement the
 * thunk can correct (operand_tail).
 */
static bool stack_use(csh h, const cs_insn *in, bool base_ok)
{
	const cs_x86 *x = &in->detail->x86;

	for (uint8_t i = 0; i < in->detail->regs_read_count; i++)
		if (among(in->detail->regs_read[i], sp_names, 4))
			return true;
	for (uint8_t i = 0; i < in->detail->regs_write_count; i++)
		if (among(in->detail->regs_write[i], sp_names, 4))
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

/* The instruction text, for messages. */
static const char *insn_text(const cs_insn *in, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s", in->mnemonic, in->op_str);
	return buf;
}

static int refuse(const cs_insn *in, const char *why, struct error *err)
{
	char text[200];

	return error_set(err, -ENOTSUP,
			 "the instruction '%s' cannot be rewritten to reach "
			 "it: %s",
			 insn_text(in, text, sizeof(text)), why);
}

/* Find the prefixes, opcode and operand of @in holding field @off. */
static int parse(const cs_insn *in, const struct arch_far_ref *f,
		 struct far_insn *fi, struct error *err)
{
	static const unsigned char legacy[] = {
	    0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65, 0x66, 0x67};
	const cs_x86 *x = &in->detail->x86;
	const unsigned char *b = in->bytes;
	size_t i = 0;

	memset(fi, 0, sizeof(*fi));
	fi->in = in;
	fi->field = f->off - (in->address - f->addr);
	while (i < in->size && memchr(legacy, b[i], sizeof(legacy))) {
		if (b[i++] == 0x67)
			return refuse(in, "it uses 32-bit addresses", err);
	}
	fi->rex = i < in->size && (b[i] & 0xf0) == 0x40 ? i++ : NONE;
	fi->op = i;
	if (b[i] == 0xc4 || b[i] == 0xc5 || b[i] == 0x62 || b[i] == 0x8f)
		return refuse(in, "a VEX, EVEX or XOP encoding", err);
	fi->modrm = x->encoding.modrm_offset ? x->encoding.modrm_offset : NONE;
	fi->disp =
	    x->encoding.disp_offset == fi->field && x->encoding.disp_size == 4;
	if (!fi->disp &&
	    !(x->encoding.imm_offset == fi->field && x->encoding.imm_size == 4))
		return refuse(in, "the reference is in no operand", err);
	if (!fi->disp) {
		fi->sym_off = f->addend;
		return 0;
	}
	if (fi->modrm == NONE)
		return refuse(in, "its address has no ModRM byte", err);
	fi->rip = (b[fi->modrm] & 0xc7) == 0x05;
	if (!fi->rip && ((b[fi->modrm] & 0xc7) != 0x04 ||
			 (b[fi->modrm + 1] & 0x07) != 0x05))
		return refuse(in, "its memory operand has a base register",
			      err);
	/* rip-relative: the operand is the field's end plus its value */
	fi->sym_off =
	    fi->rip ? f->addend + (int64_t)(in->size - fi->field) : f->addend;
	return 0;
}

/* The instruction at the site: a jump (or call) to the thunk, and nops. */
static int write_site(struct arch_far_ref *f, const struct far_insn *fi,
		      unsigned char op)
{
	unsigned char *site = f->code + f->insn_off;
	uint64_t next = f->addr + f->insn_off + 5;

	if (!fits32((int64_t)(f->thunk_addr - next)))
		return -ERANGE;
	site[0] = op;
	put32(site + 1, (int64_t)(f->thunk_addr - next));
	memset(site + 5, NOP, fi->in->size - 5);
	return 0;
}

/* The end of the thunk: jump back behind the original instruction. */
static void thunk_back(struct arch_far_ref *f, struct far_out *o)
{
	emit_jmp(o, f->addr + f->insn_off + f->insn_len);
	f->thunk_len = o->n;
}

/* lea sym(%rip),%r64 with no offset: mov slot(%rip),%r64 in place. */
static bool lea_in_place(struct arch_far_ref *f, const struct far_insn *fi)
{
	unsigned char *site = f->code + f->insn_off;
	uint64_t next = f->addr + f->insn_off + fi->in->size;

	if (!fi->rip || fi->sym_off || fi->rex == NONE ||
	    !(site[fi->rex] & REX_W) || site[fi->op] != 0x8d ||
	    fi->op + 1 != fi->modrm || !fits32((int64_t)(f->slot - next)))
		return false;
	site[fi->op] = 0x8b;
	put32(site + fi->field, (int64_t)(f->slot - next));
	return true;
}

/* The bytes of @fi's instruction with its memory operand based on
 * register @base (0-15) at displacement sym_off, into @o. */
static void rebase(const struct far_insn *fi, unsigned base, struct far_out *o)
{
	unsigned char b[16], rex = 0x40, *m;
	size_t at = fi->op;

	memcpy(b, fi->in->bytes, fi->op);
	if (fi->rex != NONE)
		rex = b[fi->rex] &
		      (unsigned char)~(REX_B | (fi->rip ? REX_X : 0));
	rex |= base >= 8 ? REX_B : 0;
	if (fi->rex != NONE)
		b[fi->rex] = rex;
	else if (rex != 0x40)
		b[at++] =
		    rex; /* after the legacy prefixes, before the opcode */
	memcpy(b + at, fi->in->bytes + fi->op, fi->in->size - fi->op);
	m = b + at + (fi->modrm - fi->op);
	if (fi->rip) {
		*m = (unsigned char)(MODRM_MEM | (*m & 0x38) | (base & 7));
	} else {
		*m = (unsigned char)(MODRM_MEM | (*m & 0x38) | 4);
		m[1] = (unsigned char)((m[1] & 0xf8) | (base & 7));
	}
	put32(b + at + (fi->field - fi->op), fi->sym_off);
	emit(o, b, fi->in->size + (at - fi->op));
}

/* call/jmp *sym(...): through %r11, which the call clobbers anyway. */
static int via_r11(csh h, struct arch_far_ref *f, const struct far_insn *fi,
		   struct far_out *o, struct error *err)
{
	static const x86_reg r11[] = {X86_REG_R11, X86_REG_R11D, X86_REG_R11W,
				      X86_REG_R11B};
	unsigned char m = fi->in->bytes[fi->modrm];
	bool call = ((m >> 3) & 7) == 2;
	struct far_insn jmp = *fi;
	unsigned char jb[16];
	cs_insn copy = *fi->in;

	if (uses(h, fi->in, r11, 4))
		return refuse(fi->in, "it indexes with %r11", err);
	/* the thunk jumps: ff /4 */
	memcpy(jb, fi->in->bytes, fi->in->size);
	jb[fi->modrm] = (unsigned char)((m & 0xc7) | (4 << 3));
	memcpy(copy.bytes, jb, fi->in->size);
	jmp.in = &copy;
	emit_load(o, REG_R11, f->slot);
	rebase(&jmp, REG_R11, o);
	f->thunk_len = o->n;
	return write_site(f, fi, call ? 0xe8 : 0xe9);
}

/* A register among scratch_regs that @in does not use, or -1. */
static int free_scratch(csh h, const cs_insn *in)
{
	for (size_t i = 0; i < sizeof(scratch_regs) / sizeof(*scratch_regs);
	     i++)
		if (!uses(h, in, scratch_regs[i].names, 5))
			return (int)scratch_regs[i].num;
	return -1;
}

/* The thunk around an instruction that needs a borrowed register @s:
 * @body writes the instruction itself. */
static void borrow(struct arch_far_ref *f, const struct far_insn *fi,
		   unsigned s, struct far_out *o,
		   void (*body)(const struct far_insn *, unsigned,
				struct far_out *))
{
	static const unsigned char down[5] = {0x48, 0x8d, 0x64, 0x24, 0x80};
	static const unsigned char up[8] = {0x48, 0x8d, 0xa4, 0x24,
					    0x80, 0x00, 0x00, 0x00};
	unsigned char push = (unsigned char)(0x50 + s), pop = push + 8;

	emit(o, down, sizeof(down)); /* lea -128(%rsp),%rsp */
	emit(o, &push, 1);
	emit_load(o, s, f->slot);
	body(fi, s, o);
	emit(o, &pop, 1);
	emit(o, up, sizeof(up)); /* lea 128(%rsp),%rsp */
	thunk_back(f, o);
}

/* The bytes after @fi's ModRM byte up to its immediate (SIB and
 * displacement) into @out at *n, the displacement widened and moved by
 * the thunk's own use of the stack when the operand is based on %rsp. */
static void operand_tail(const struct far_insn *fi, unsigned char *out,
			 size_t *n)
{
	const unsigned char *b = fi->in->bytes;
	unsigned char m = b[fi->modrm];
	bool rexb = fi->rex != NONE && (b[fi->rex] & REX_B);
	size_t tail = fi->field - fi->modrm - 1;
	int64_t disp = 0;

	if ((m >> 6) == 3 || (m & 7) != 4 || (b[fi->modrm + 1] & 7) != 4 ||
	    rexb) {
		memcpy(out + *n, b + fi->modrm + 1, tail);
		*n += tail;
		return;
	}
	if ((m >> 6) == 1)
		disp = (int8_t)b[fi->modrm + 2];
	else if ((m >> 6) == 2)
		disp = (int32_t)(b[fi->modrm + 2] | b[fi->modrm + 3] << 8 |
				 b[fi->modrm + 4] << 16 |
				 (uint32_t)b[fi->modrm + 5] << 24);
	out[*n - 1] = (unsigned char)(MODRM_MEM | (out[*n - 1] & 0x38) | 4);
	out[(*n)++] = b[fi->modrm + 1];
	put32(out + *n, disp + THUNK_STACK);
	*n += 4;
}

/* OP $sym,r/m64 -> OP %s,r/m64: the same operation's register form (81 /n
 * becomes 01, 09 ... 39; mov c7 /0 becomes 89), the immediate dropped. */
static void imm_body(const struct far_insn *fi, unsigned s, struct far_out *o)
{
	const unsigned char *b = fi->in->bytes;
	unsigned char op = b[fi->op], out[16];
	size_t n = fi->op;

	memcpy(out, b, fi->op);
	if (op != 0x81 && op != 0xc7) { /* OP $imm32,%rax */
		out[n++] = (unsigned char)((op & 0x38) | 1);
		out[n++] = (unsigned char)(0xc0 | (s << 3));
		emit(o, out, n);
		return;
	}
	out[fi->rex] &= (unsigned char)~REX_R;
	out[n++] =
	    op == 0xc7 ? 0x89 : (unsigned char)((b[fi->modrm] & 0x38) | 1);
	out[n++] = (unsigned char)((b[fi->modrm] & 0xc7) | (s << 3));
	operand_tail(fi, out, &n);
	emit(o, out, n);
}

static void mem_body(const struct far_insn *fi, unsigned s, struct far_out *o)
{
	rebase(fi, s, o);
}

/* mov $sym,%r32 / movq $sym,%r64: load the slot into the register. */
static bool load_imm(struct arch_far_ref *f, const struct far_insn *fi,
		     struct far_out *o)
{
	const unsigned char *b = fi->in->bytes;
	bool rexw = fi->rex != NONE && (b[fi->rex] & REX_W);
	bool rexb = fi->rex != NONE && (b[fi->rex] & REX_B);
	unsigned dest;

	if ((b[fi->op] & 0xf8) == 0xb8 && !rexw)
		dest = b[fi->op] & 7;
	else if (b[fi->op] == 0xc7 && (b[fi->modrm] & 0xf8) == 0xc0)
		dest = b[fi->modrm] & 7;
	else
		return false;
	dest |= rexb ? 8 : 0;
	emit_load(o, dest, f->slot);
	if (fi->sym_off)
		emit_lea_self(o, dest, fi->sym_off);
	thunk_back(f, o);
	return true;
}

/* Whether @fi is an immediate form imm_body() rewrites: a 64-bit ALU
 * operation or store with a 32-bit immediate, on a register or on memory
 * that is not rip-relative. */
static bool imm_form(const struct far_insn *fi)
{
	const unsigned char *b = fi->in->bytes;
	unsigned char op = b[fi->op];

	if (fi->rex == NONE || !(b[fi->rex] & REX_W) || fi->op != fi->rex + 1)
		return false;
	if ((op & 0xc7) == 0x05 && op < 0x40)
		return true;
	return (op == 0x81 || (op == 0xc7 && !(b[fi->modrm] & 0x38))) &&
	       (b[fi->modrm] & 0xc7) != 0x05;
}

static bool has_group(const cs_insn *in, uint8_t group)
{
	for (int i = 0; i < in->detail->groups_count; i++)
		if (in->detail->groups[i] == group)
			return true;
	return false;
}

/* Rewrite the decoded instruction @in. */
static int rewrite(csh h, struct arch_far_ref *f, const cs_insn *in,
		   struct error *err)
{
	struct far_out o = {f->thunk, 0, f->thunk_addr};
	void (*body)(const struct far_insn *, unsigned, struct far_out *);
	struct far_insn fi;
	int s, r;

	if ((r = parse(in, f, &fi, err)))
		return r;
	if (in->size < 5) /* cannot happen: opcode and a 4-byte field */
		return refuse(in, "it is too short for a jump", err);
	f->insn_off = in->address - f->addr;
	f->insn_len = in->size;
	if (arch_branches_into(f->code, f->len, f->addr, in->address,
			       in->address + in->size))
		return refuse(in, "the function branches into it", err);
	if (fi.disp && lea_in_place(f, &fi))
		return 0;
	if (fi.disp && in->bytes[fi.op] == 0xff &&
	    (((in->bytes[fi.modrm] >> 3) & 7) == 2 ||
	     ((in->bytes[fi.modrm] >> 3) & 7) == 4))
		return via_r11(h, f, &fi, &o, err);
	if (!fi.disp && load_imm(f, &fi, &o))
		return write_site(f, &fi, 0xe9);
	if (!fi.disp && !imm_form(&fi))
		return refuse(in,
			      "it is not a load, a 64-bit operation or a "
			      "64-bit store",
			      err);
	body = fi.disp ? mem_body : imm_body;
	if (has_group(in, CS_GRP_JUMP) || has_group(in, CS_GRP_CALL) ||
	    has_group(in, CS_GRP_RET) || stack_use(h, in, !fi.disp))
		return refuse(in, "it uses the stack pointer", err);
	if ((s = free_scratch(h, in)) < 0)
		return refuse(in, "it leaves no register to borrow", err);
	borrow(f, &fi, (unsigned)s, &o, body);
	return write_site(f, &fi, 0xe9);
}

bool arch_far_candidate(uint32_t type)
{
	return type == R_X86_64_PC32 || type == R_X86_64_32 ||
	       type == R_X86_64_32S;
}

int arch_far_rewrite(struct arch_far_ref *f, struct error *err)
{
	const cs_insn *hit = NULL;
	cs_insn *insn;
	size_t count;
	csh h;
	int r;

	f->thunk_len = 0;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return -ENOMEM;
	cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
	cs_option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT); /* as suture review */
	count = cs_disasm(h, f->code, f->len, f->addr, 0, &insn);
	for (size_t i = 0; i < count && !hit; i++)
		if (insn[i].address - f->addr <= f->off &&
		    f->off < insn[i].address - f->addr + insn[i].size)
			hit = &insn[i];
	if (hit)
		r = rewrite(h, f, hit, err);
	else
		r = error_set(err, -ENOTSUP,
			      "the code around it does not decode");
	if (count)
		cs_free(insn, count);
	cs_close(&h);
	return r;
}
