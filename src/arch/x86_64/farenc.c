/*
 * farenc.c - encoding the instructions of far-reference thunks (far.h):
 * loads from a slot, jumps, and an instruction moved into a thunk with
 * its memory operand based on a borrowed register or its immediate
 * replaced by one (Intel SDM vol. 2, 2.1-2.2: prefixes, REX, ModRM, SIB).
 */
#include <errno.h>
#include <string.h>

#include "arch/x86_64/far.h"

#define MODRM_MEM 0x80 /* mod=10: [base + disp32] */

bool far_fits32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

void far_put32(unsigned char *p, int64_t v)
{
	int32_t w = (int32_t)v;

	memcpy(p, &w, sizeof(w));
}

static int64_t get32(const unsigned char *p)
{
	int32_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

void far_emit(struct far_out *o, const void *bytes, size_t n)
{
	memcpy(o->b + o->n, bytes, n);
	o->n += n;
}

/* A rel32 field at the end of what was emitted, aimed at @target. */
static void emit_rel32(struct far_out *o, uint64_t target)
{
	o->n += 4;
	far_put32(o->b + o->n - 4, (int64_t)(target - (o->at + o->n)));
}

void far_emit_load(struct far_out *o, unsigned reg, uint64_t slot, int64_t off)
{
	unsigned char rex = 0x48 | (reg >= 8 ? REX_R : 0);
	unsigned char mov[3] = {rex, 0x8b, (unsigned char)((reg & 7) << 3 | 5)};
	unsigned char lea[4] = {
	    rex | (reg >= 8 ? REX_B : 0), 0x8d,
	    (unsigned char)(MODRM_MEM | (reg & 7) << 3 | (reg & 7)), 0x24};

	far_emit(o, mov, sizeof(mov));
	emit_rel32(o, slot);
	if (!off)
		return;
	far_emit(o, lea, (reg & 7) == 4 ? 4 : 3); /* r12 needs a SIB byte */
	o->n += 4;
	far_put32(o->b + o->n - 4, off);
}

void far_emit_add(struct far_out *o, unsigned reg, unsigned base)
{
	unsigned char lea[4] = {0x48 | (reg >= 8 ? REX_R | REX_B : 0) |
				    (base >= 8 ? REX_X : 0),
				0x8d, (unsigned char)((reg & 7) << 3 | 4),
				(unsigned char)((base & 7) << 3 | (reg & 7))};

	far_emit(o, lea, sizeof(lea));
}

void far_emit_jmp(struct far_out *o, uint64_t target)
{
	const unsigned char op = 0xe9;

	far_emit(o, &op, 1);
	emit_rel32(o, target);
}

void far_emit_jmp_slot(struct far_out *o, uint64_t slot)
{
	static const unsigned char jmp_ind[2] = {0xff, 0x25};

	far_emit(o, jmp_ind, sizeof(jmp_ind));
	emit_rel32(o, slot);
}

bool far_imm_form(const struct far_insn *fi)
{
	const unsigned char *b = fi->in->bytes;
	unsigned char op = b[fi->op];

	if (fi->imm_at == FAR_NONE || fi->rex == FAR_NONE ||
	    !(b[fi->rex] & REX_W) || fi->op != fi->rex + 1)
		return false;
	if ((op & 0xc7) == 0x05 && op < 0x40)
		return true; /* add ... cmp $imm32,%rax */
	return op == 0x81 || (op == 0xc7 && !(b[fi->modrm] & 0x38));
}

/* The opcode of the register form of @fi's immediate operation. */
static unsigned char reg_opcode(const struct far_insn *fi)
{
	const unsigned char *b = fi->in->bytes;

	if (b[fi->op] == 0xc7)
		return 0x89; /* mov %r,r/m64 */
	return (unsigned char)(((b[fi->op] == 0x81 ? b[fi->modrm] : b[fi->op]) &
				0x38) |
			       1); /* add %r,r/m64 ... cmp %r,r/m64 */
}

/* The memory operand kept: SIB and displacement as they were, with a
 * %rsp base corrected by @stack (and widened to 32 bits). */
static void keep_operand(const struct far_insn *fi, int64_t stack,
			 unsigned char *out, size_t *n)
{
	const unsigned char *b = fi->in->bytes;
	unsigned char m = b[fi->modrm];
	bool rexb = fi->rex != FAR_NONE && (b[fi->rex] & REX_B);
	size_t tail = fi->end - fi->modrm - 1;
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
		disp = get32(b + fi->modrm + 2);
	out[*n - 1] = (unsigned char)(MODRM_MEM | (out[*n - 1] & 0x38) | 4);
	out[(*n)++] = b[fi->modrm + 1];
	far_put32(out + *n, disp + stack);
	*n += 4;
}

/* The memory operand based on register @base at fi->disp_off, its SIB
 * index kept. */
static void new_operand(const struct far_insn *fi, unsigned base,
			unsigned char *out, size_t *n)
{
	const unsigned char *b = fi->in->bytes;
	unsigned char *m = out + *n - 1;

	if ((*m & 7) != 4) { /* no SIB: rip-relative or a base register */
		*m = (unsigned char)(MODRM_MEM | (*m & 0x38) | (base & 7));
	} else {
		*m = (unsigned char)(MODRM_MEM | (*m & 0x38) | 4);
		out[(*n)++] =
		    (unsigned char)((b[fi->modrm + 1] & 0xf8) | (base & 7));
	}
	far_put32(out + *n, fi->disp_off);
	*n += 4;
}

/* The REX prefix of the changed instruction (0x40: none needed). */
static unsigned char new_rex(const struct far_insn *fi, int base, int ireg)
{
	unsigned char rex = fi->rex != FAR_NONE ? fi->in->bytes[fi->rex] : 0x40;

	if (ireg >= 0)
		rex &= (unsigned char)~REX_R;
	if (base >= 0)
		rex &= (unsigned char)~(REX_B | (fi->rip ? REX_X : 0));
	return (unsigned char)(rex | (base >= 8 ? REX_B : 0));
}

/* Re-aim the kept rip-relative displacement at @disp_at of @out (@len
 * bytes, placed at o's end). */
static int reaim(const struct far_insn *fi, unsigned char *out, size_t len,
		 size_t disp_at, const struct far_out *o)
{
	const cs_insn *in = fi->in;
	uint64_t target =
	    in->address + in->size + get32(in->bytes + fi->disp_at);
	int64_t d = (int64_t)(target - (o->at + o->n + len));

	if (!far_fits32(d))
		return -ERANGE;
	far_put32(out + disp_at, d);
	return 0;
}

int far_emit_insn(const struct far_insn *fi, int base, int ireg, int64_t stack,
		  struct far_out *o)
{
	const unsigned char *b = fi->in->bytes;
	size_t pre = fi->rex != FAR_NONE ? fi->rex : fi->op, n = pre;
	unsigned char out[24], rex = new_rex(fi, base, ireg);
	size_t kept_disp = FAR_NONE;

	memcpy(out, b, pre); /* legacy prefixes */
	if (rex != 0x40 || fi->rex != FAR_NONE)
		out[n++] = rex;
	if (ireg >= 0 && fi->modrm == FAR_NONE) { /* OP $imm32,%rax */
		out[n++] = reg_opcode(fi);
		out[n++] = (unsigned char)(0xc0 | ireg << 3);
		far_emit(o, out, n);
		return 0;
	}
	memcpy(out + n, b + fi->op, fi->modrm - fi->op);
	if (ireg >= 0)
		out[n] = reg_opcode(fi);
	n += fi->modrm - fi->op;
	out[n++] = ireg >= 0
		       ? (unsigned char)((b[fi->modrm] & 0xc7) | ireg << 3)
		       : b[fi->modrm];
	if (base >= 0) {
		new_operand(fi, (unsigned)base, out, &n);
	} else {
		kept_disp =
		    fi->rip ? n + (fi->disp_at - fi->modrm - 1) : kept_disp;
		keep_operand(fi, stack, out, &n);
	}
	if (ireg < 0) { /* the immediate and whatever follows */
		memcpy(out + n, b + fi->end, fi->in->size - fi->end);
		n += fi->in->size - fi->end;
	}
	if (kept_disp != FAR_NONE && reaim(fi, out, n, kept_disp, o))
		return -ERANGE;
	far_emit(o, out, n);
	return 0;
}
