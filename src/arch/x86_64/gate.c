/*
 * gate.c - x86-64 gates (see arch.h): a commit-byte test in front of a
 * replaced function, and the moved copy of the entry instructions that a
 * trampoline overwrote.
 *
 * Moving an instruction keeps its meaning if every address it computes
 * relative to itself is re-aimed: rip-relative memory operands get a new
 * displacement, relative jumps and calls a new rel32 (short forms are
 * widened).  jrcxz and loop have only 8-bit forms and cannot be moved.
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/x86_64/cshandle.h"

static bool fits32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

static void put32(unsigned char *p, int64_t v)
{
	int32_t w = (int32_t)v;

	memcpy(p, &w, sizeof(w));
}

static bool has_group(const cs_insn *in, uint8_t group)
{
	for (int i = 0; i < in->detail->groups_count; i++)
		if (in->detail->groups[i] == group)
			return true;
	return false;
}

static bool is_relative_branch(const cs_insn *in)
{
	return has_group(in, CS_GRP_BRANCH_RELATIVE) ||
	       (in->detail->x86.op_count == 1 &&
		in->detail->x86.operands[0].type == X86_OP_IMM &&
		(has_group(in, CS_GRP_JUMP) || has_group(in, CS_GRP_CALL)));
}

/* Widen or re-aim a relative jump/call so that it works from @to. */
static int move_branch(const cs_insn *in, unsigned char *out, size_t *n,
		       uint64_t to, struct error *err)
{
	uint64_t target = (uint64_t)in->detail->x86.operands[0].imm;
	const unsigned char *b = in->bytes;
	size_t len;

	if (b[0] == 0xe8 || b[0] == 0xe9 || b[0] == 0xeb) {
		out[0] = b[0] == 0xe8 ? 0xe8 : 0xe9;
		len = 5;
	} else if ((b[0] & 0xf0) == 0x70) { /* jcc rel8 */
		out[0] = 0x0f;
		out[1] = 0x80 | (b[0] & 0x0f);
		len = 6;
	} else if (b[0] == 0x0f && (b[1] & 0xf0) == 0x80) { /* jcc rel32 */
		out[0] = 0x0f;
		out[1] = b[1];
		len = 6;
	} else {
		return error_set(err, -ENOTSUP,
				 "instruction '%s %s' at %#" PRIx64
				 " cannot be moved",
				 in->mnemonic, in->op_str, in->address);
	}
	if (!fits32((int64_t)(target - (to + len))))
		return error_set(err, -ERANGE,
				 "branch at %#" PRIx64
				 " out of reach once moved",
				 in->address);
	put32(out + len - 4, (int64_t)(target - (to + len)));
	*n = len;
	return 0;
}

/* Copy one instruction to @to, re-aiming a rip-relative operand. */
static int move_insn(const cs_insn *in, unsigned char *out, size_t *n,
		     uint64_t to, struct error *err)
{
	const cs_x86 *x = &in->detail->x86;

	if (is_relative_branch(in))
		return move_branch(in, out, n, to, err);
	memcpy(out, in->bytes, in->size);
	*n = in->size;
	for (int i = 0; i < x->op_count; i++) {
		int64_t disp;
		if (x->operands[i].type != X86_OP_MEM ||
		    x->operands[i].mem.base != X86_REG_RIP)
			continue;
		disp = x->operands[i].mem.disp + (int64_t)(in->address - to);
		if (!fits32(disp) || x->encoding.disp_size != 4)
			return error_set(err, -ERANGE,
					 "rip-relative operand "
					 "at %#" PRIx64 " out of reach",
					 in->address);
		put32(out + x->encoding.disp_offset, disp);
	}
	return 0;
}

/* Append the moved entry instructions (>= the trampoline's bytes) and the
 * jump back; returns the bytes appended in *n. */
static int move_entry(csh h, unsigned char *out, size_t *n, size_t *moved,
		      uint64_t to, const unsigned char *code, size_t avail,
		      uint64_t entry, struct error *err)
{
	size_t used = 0, len = 0, k = 0;
	cs_insn *in = cs_malloc(h);
	const uint8_t *p = code;
	uint64_t addr = entry;
	int ret = 0;

	while (used < arch_trampoline_len() && !ret) {
		size_t left = avail - used;
		if (!cs_disasm_iter(h, &p, &left, &addr, in)) {
			ret = error_set(err, -EINVAL,
					"undecodable instruction "
					"at %#" PRIx64,
					entry + used);
			break;
		}
		ret = move_insn(in, out + len, &k, to + len, err);
		used += in->size;
		len += k;
	}
	cs_free(in, 1);
	if (ret)
		return ret;
	/* jmp back behind the displaced instructions */
	if (arch_trampoline_write(out + len, to + len, entry + used))
		return error_set(err, -ERANGE, "gate too far from %#" PRIx64,
				 entry);
	*n = len + arch_trampoline_len();
	*moved = used;
	return 0;
}

int arch_gate_write(unsigned char *buf, size_t *len, uint64_t at, uint64_t flag,
		    uint64_t new_fn, const unsigned char *code, size_t avail,
		    uint64_t entry, struct error *err)
{
	size_t moved = 0, used = 0;
	csh h;
	int ret;

	if (!fits32((int64_t)(flag - (at + 7))) ||
	    !fits32((int64_t)(new_fn - (at + 13))))
		return error_set(err, -ERANGE,
				 "gate at %#" PRIx64
				 " cannot reach its flag or function",
				 at);
	/* cmpb $0, flag(%rip) ; jne new_fn */
	buf[0] = 0x80;
	buf[1] = 0x3d;
	put32(buf + 2, (int64_t)(flag - (at + 7)));
	buf[6] = 0x00;
	buf[7] = 0x0f;
	buf[8] = 0x85;
	put32(buf + 9, (int64_t)(new_fn - (at + 13)));
	if (x86_cs(true, false, &h))
		return -ENOMEM;
	ret = move_entry(h, buf + 13, &moved, &used, at + 13, code, avail,
			 entry, err);
	*len = 13 + moved;
	if (!ret && arch_branches_into(code, avail, entry, entry, entry + used))
		ret = error_set(err, -EXDEV,
				"function at %#" PRIx64 " branches into its "
				"own first instructions",
				entry);
	return ret;
}

int arch_entry_move(unsigned char *buf, size_t *len, uint64_t at,
		    const unsigned char *code, size_t avail, uint64_t entry,
		    struct error *err)
{
	size_t used;
	csh h;
	int ret;

	if (x86_cs(true, false, &h))
		return -ENOMEM;
	ret = move_entry(h, buf, len, &used, at, code, avail, entry, err);
	return ret;
}

/* Append a rip-relative store "@op @modrm rel32 [imm8]" of @target at
 * @buf + *k (the runner placed at @at); false if it is out of reach. */
static bool put_riprel(unsigned char *buf, size_t *k, uint64_t at,
		       unsigned char op, unsigned char modrm, int imm8,
		       uint64_t target)
{
	size_t len = imm8 >= 0 ? 7 : 6;
	int64_t d = (int64_t)(target - (at + *k + len));

	if (!fits32(d))
		return false;
	buf[*k] = op;
	buf[*k + 1] = modrm;
	put32(buf + *k + 2, d);
	if (imm8 >= 0)
		buf[*k + 6] = (unsigned char)imm8;
	*k += len;
	return true;
}

/*
 * push %rbx (which also aligns the callees' stack as the ABI wants);
 * [xor %ebx,%ebx]; per hook: [inc %ebx]; call; [test %eax,%eax; jnz out];
 * movb $1,flag(%rip); [xor %eax,%eax; out: mov %bl,veto(%rip)]; pop %rbx;
 * ret.  The bracketed parts are a checked runner's.
 */
int arch_runner_write(unsigned char *buf, size_t *len, uint64_t at,
		      const uint64_t *fns, size_t n, uint64_t flag,
		      uint64_t veto, struct error *err)
{
	size_t k = 0, jnz[ARCH_GATE_MAX / 11 + 1], per = veto ? 11 : 5;
	bool reach = true;

	if ((veto ? 20 : 10) + per * n > ARCH_GATE_MAX)
		return error_set(err, -E2BIG, "too many hooks of one kind");
	buf[k++] = 0x53;
	if (veto)
		buf[k++] = 0x31, buf[k++] = 0xdb;
	for (size_t i = 0; i < n; i++) {
		if (veto)
			buf[k++] = 0xff, buf[k++] = 0xc3;
		if (!fits32((int64_t)(fns[i] - (at + k + 5))))
			return error_set(err, -ERANGE, "hook out of reach");
		buf[k] = 0xe8;
		put32(buf + k + 1, (int64_t)(fns[i] - (at + k + 5)));
		k += 5;
		if (veto) {
			buf[k++] = 0x85, buf[k++] = 0xc0;
			buf[k++] = 0x75, jnz[i] = k++;
		}
	}
	reach = put_riprel(buf, &k, at, 0xc6, 0x05, 1, flag);
	if (veto) {
		buf[k++] = 0x31, buf[k++] = 0xc0;
		for (size_t i = 0; i < n; i++)
			buf[jnz[i]] = (unsigned char)(k - (jnz[i] + 1));
		reach = reach && put_riprel(buf, &k, at, 0x88, 0x1d, -1, veto);
	}
	if (!reach)
		return error_set(err, -ERANGE, "hook flag out of reach");
	buf[k++] = 0x5b;
	buf[k++] = 0xc3;
	*len = k;
	return 0;
}

/*
 * One instruction at a time into one cs_insn: cs_disasm() would hold the
 * whole function decoded at once, 2 KB of detail an instruction (713
 * instructions, 3 KB of code: 1.15 ms against 0.3 ms here).  A byte
 * Capstone cannot decode ends the look with "cannot tell", so yes: a
 * branch after it would go unseen (t-backjump: a gate built for such a
 * function ran its old code into the middle of the jump).
 */
bool arch_branches_into(const unsigned char *code, size_t len, uint64_t addr,
			uint64_t lo, uint64_t hi)
{
	bool found = false;
	cs_insn *in;
	csh h;

	if (x86_cs(true, false, &h) || !(in = cs_malloc(h)))
		return true; /* cannot tell: assume the worst */
	while (!found && cs_disasm_iter(h, &code, &len, &addr, in))
		found = is_relative_branch(in) &&
			(uint64_t)in->detail->x86.operands[0].imm > lo &&
			(uint64_t)in->detail->x86.operands[0].imm < hi;
	cs_free(in, 1);
	return found || len;
}
