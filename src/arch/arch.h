/*
 * arch.h - everything suture needs to know about the instruction set.
 *
 * Generic code never tests the architecture: it calls these functions, and
 * the Makefile links exactly one implementation (src/arch/$(ARCH)/).  An
 * aarch64 port is a second folder implementing this same header.
 */
#ifndef SUTURE_ARCH_ARCH_H
#define SUTURE_ARCH_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

#include "util/error.h"

/* ELF machine of this architecture (EM_X86_64). */
extern const unsigned int arch_elf_machine;

/* ---- trampolines ------------------------------------------------------ */

/* Bytes a trampoline overwrites at a function's entry; also the smallest
 * function that can be replaced. */
#define ARCH_TRAMPOLINE_MAX 16
size_t arch_trampoline_len(void);

/*
 * arch_trampoline_write - encode into @buf (arch_trampoline_len() bytes) a
 * jump placed at address @from that lands on @to.  -ERANGE if @to is out of
 * the jump's reach (callers place patch code near the module to avoid it).
 */
int arch_trampoline_write(unsigned char *buf, uint64_t from, uint64_t to);

/* arch_trampoline_is - whether the arch_trampoline_len() bytes @have, read
 * at @from, are a trampoline to @to. */
bool arch_trampoline_is(const unsigned char *have, uint64_t from, uint64_t to);

/* ---- relocations ------------------------------------------------------ */

/* How a relocation type wants its symbol. */
enum arch_reloc_class {
	ARCH_RELOC_UNSUPPORTED, /* refuse the patch (IFUNC, ...) */
	ARCH_RELOC_NONE,	/* nothing to do */
	ARCH_RELOC_DIRECT,	/* needs the symbol's address */
	ARCH_RELOC_GOT,		/* needs the address of a slot holding it */
	ARCH_RELOC_CALL,	/* a branch: may go through a stub if far */
	ARCH_RELOC_TLS,		/* thread-local storage: arch_reloc_tls() */
};

enum arch_reloc_class arch_reloc_class(uint32_t type);

/* Name of a relocation type, for messages ("R_X86_64_PC32"). */
const char *arch_reloc_name(uint32_t type);

/* Bytes of the field a relocation type writes (4 or 8); 0 if unknown. */
size_t arch_reloc_width(uint32_t type);

/* Whether the relocated field is relative to its own address (so that a
 * reference's target is the field address + 4 + addend, say). */
bool arch_reloc_pcrel(uint32_t type);

/*
 * arch_reloc_apply - patch the field at @loc (which will live at run-time
 * address @place) so that it refers to @value + @addend.  For ARCH_RELOC_GOT
 * types @value is the slot's address; for ARCH_RELOC_CALL it is the branch
 * target (a stub if the callee was out of reach).  -ERANGE when the result
 * does not fit the field; the message names the type and the distance.
 */
int arch_reloc_apply(uint32_t type, unsigned char *loc, uint64_t place,
		     uint64_t value, int64_t addend, struct error *err);

/*
 * arch_reloc_read - what the linker wrote into the field of a relocation
 * of @type at @loc (link-time address @place): *s_a gets S + A.  False for
 * types whose field does not give it back (GOT slots, branches that may
 * go through a PLT, 64-bit fields that a dynamic relocation may fill).
 */
bool arch_reloc_read(uint32_t type, const unsigned char *loc, uint64_t place,
		     uint64_t *s_a);

/* Whether a CALL-class branch at @place can reach @target directly. */
bool arch_branch_reaches(uint64_t place, uint64_t target);

/* A stub that jumps to an arbitrary 64-bit address (for far calls). */
#define ARCH_STUB_MAX 16
size_t arch_stub_len(void);
void arch_stub_write(unsigned char *buf, uint64_t target);
/* arch_stub_read - whether the arch_stub_len() bytes @buf are such a stub;
 * *target gets where it jumps. */
bool arch_stub_read(const unsigned char *buf, uint64_t *target);

/* ---- far references ----------------------------------------------------- */

/*
 * A patch's code refers to another module's data (or takes a function's
 * address) with a 32-bit field when its compiler expected the linker to
 * bring the object near (gcc's copy relocations in executables).  When the
 * object is further away than the field reaches, the instruction is made
 * to take the address from an 8-byte slot of the patch instead: rewritten
 * in place where an equivalent of the same length exists, else moved into
 * a thunk in the patch's region that the instruction's bytes jump to.
 */
#define ARCH_THUNK_MAX 64

/* Whether a relocation of @type in code is one arch_far_rewrite() can
 * turn into a load from a slot when its value does not fit. */
bool arch_far_candidate(uint32_t type);

/* One relocated field of an instruction, to reach through a slot. */
struct arch_far_field {
	uint64_t off;  /* the field, from the code's start; UINT64_MAX: none */
	uint32_t type; /* its relocation type */
	int64_t addend;
	uint64_t slot; /* run-time address of the slot holding its symbol */
};

struct arch_far_ref {
	/* in */
	unsigned char *code; /* the code holding the reference (a function) */
	size_t len;	     /* its bytes */
	uint64_t addr;	     /* its run-time address */
	struct arch_far_field field[2]; /* the reference, and the next one
					   out of reach, which may be in the
					   same instruction */
	unsigned char *thunk;		/* ARCH_THUNK_MAX bytes for a thunk */
	uint64_t thunk_addr;		/* their run-time address */
	/* out */
	size_t nfields;	   /* 1, or 2 if field[1] was in the instruction */
	size_t thunk_len;  /* bytes of the thunk used, 0 if none */
	uint64_t insn_off; /* the rewritten instruction, from @code */
	size_t insn_len;
};

/*
 * arch_far_rewrite - rewrite the instruction holding @f's first field (and
 * its second, if the instruction holds it too) so that it refers to the
 * symbol (plus the addend, as the relocation meant) through the slot,
 * whatever the distance: in @f->code, and in @f->thunk if it needs one.
 * Relocations of the instruction's other fields must be applied before
 * (the thunk copies its bytes).  -ENOTSUP, with a message naming the
 * instruction and why, for a form that cannot be rewritten with the same
 * meaning (one that uses the stack pointer, a vector-extension encoding).
 */
int arch_far_rewrite(struct arch_far_ref *f, struct error *err);

/* ---- thread-local storage ---------------------------------------------- */

/* What an ARCH_RELOC_TLS relocation wants, given its symbol's offset in
 * its module's TLS block ("ELF Handling For Thread-Local Storage"). */
enum arch_tls_form {
	ARCH_TLS_TPOFF,	    /* the offset from the thread pointer (static) */
	ARCH_TLS_GOTTPOFF,  /* the address of a slot holding that offset */
	ARCH_TLS_GD,	    /* the address of a {module id, offset} pair */
	ARCH_TLS_LD,	    /* the address of a {module id, 0} pair */
	ARCH_TLS_DTPOFF,    /* the offset in the module's block */
	ARCH_TLS_DESC,	    /* the address of a TLS descriptor */
	ARCH_TLS_DESC_CALL, /* marks the call through it: nothing to do */
};

/* arch_reloc_tls - the form of ARCH_RELOC_TLS type @type. */
enum arch_tls_form arch_reloc_tls(uint32_t type);

/*
 * arch_tls_tpoff - the offset from the thread pointer of byte @off of a
 * module's block in static TLS, which the dynamic linker placed at
 * @block_offset (glibc's l_tls_offset): x86-64 uses TLS variant II, the
 * block lies below the thread pointer.
 */
int64_t arch_tls_tpoff(uint64_t block_offset, uint64_t off);

/* arch_tls_offset_static - whether glibc's l_tls_offset @block_offset of
 * a module means a block in static TLS (rather than none yet, or forced
 * into dynamic TLS). */
bool arch_tls_offset_static(uint64_t block_offset);

/* A TLS descriptor: {function, argument}; the code calls the function
 * with the descriptor's address and adds the result to the thread
 * pointer. */
#define ARCH_TLSDESC_SIZE 16
/* The function of a descriptor for static TLS, whose argument is the
 * offset from the thread pointer: it returns the argument. */
#define ARCH_TLSDESC_FN_MAX 16
size_t arch_tlsdesc_static_fn(unsigned char *buf);

/* ---- registers and system calls -------------------------------------- */

typedef struct user_regs_struct arch_regs;

uint64_t arch_regs_pc(const arch_regs *r);
uint64_t arch_regs_sp(const arch_regs *r);
/* The thread pointer (TLS base), which libc keeps in the thread's block. */
uint64_t arch_regs_tp(const arch_regs *r);

/*
 * glibc's PTR_MANGLE: setjmp and friends store code and stack pointers
 * xored with the process's pointer guard, which libc keeps at
 * ARCH_PTR_GUARD_OFFSET from the thread pointer, then rotated left by
 * arch_ptr_mangle_rot bits (1..63).  A value, not a function: the scan
 * for references demangles every word of the process.
 */
#define ARCH_PTR_GUARD_OFFSET 0x30
extern const unsigned arch_ptr_mangle_rot;

/*
 * The code of the signal trampoline libc installs as every handler's
 * return address (rt_sigreturn): a return address pointing at it marks a
 * signal frame on a stack.
 */
extern const unsigned char arch_sigreturn_code[];
extern const size_t arch_sigreturn_len;
void arch_regs_set_pc(arch_regs *r, uint64_t pc);

/* The AUDIT_ARCH_* value seccomp filters see for this architecture. */
extern const uint32_t arch_audit_arch;

/* Bytes of the system call instruction, to find one in the target. */
extern const unsigned char arch_syscall_insn[];
extern const size_t arch_syscall_insn_len;

/*
 * arch_syscall_setup - make @r execute system call @nr with @args when the
 * thread runs from the syscall instruction at @insn_addr.  Also disarms the
 * kernel's system-call restart for the interrupted call, which the saved
 * registers re-arm when restored.
 */
void arch_syscall_setup(arch_regs *r, uint64_t insn_addr, long nr,
			const uint64_t args[6]);
/* The raw return value (negative errno on failure). */
long arch_syscall_result(const arch_regs *r);

/*
 * arch_regs_unintr - if @r shows a system call that failed with EINTR only
 * because the thread was stopped (epoll_wait and a few others return EINTR
 * on any interruption and the kernel never restarts them), move it back so
 * that it runs again, as a restartable call would.  Returns whether @r was
 * changed.  Only for a thread with no signal of its own to deliver.
 */
bool arch_regs_unintr(arch_regs *r);

/* Stack bytes below the stack pointer that the ABI lets leaf code use and
 * that suture must therefore not touch (x86-64 red zone). */
extern const size_t arch_red_zone;

/* ---- unwinding -------------------------------------------------------- */

/* Number of DWARF registers the unwinder wants for an initial frame. */
#define ARCH_DWARF_NREGS 17
/* The DWARF number of the stack pointer, which holds a caller's frame's
 * canonical frame address once unwound to it. */
#define ARCH_DWARF_SP 7
/* arch_dwarf_regs - fill @out (ARCH_DWARF_NREGS words) from @r in DWARF
 * register order. */
void arch_dwarf_regs(const arch_regs *r, uint64_t *out);

/* ---- instructions ----------------------------------------------------- */

/* One differing immediate operand: the instruction's offset in the
 * function and the two values. */
struct arch_imm_change {
	uint64_t off;
	int64_t old_imm, new_imm;
};

/*
 * arch_insn_imm_diff - compare two functions' code instruction by
 * instruction.  Returns 1 if they differ only in immediate operands, and
 * stores up to @max of the differing immediates in @out (*n gets the
 * count, which may exceed @max); 0 if they differ otherwise; negative on
 * error.
 */
int arch_insn_imm_diff(const unsigned char *a, size_t alen,
		       const unsigned char *b, size_t blen,
		       struct arch_imm_change *out, size_t max, size_t *n);

/*
 * arch_disasm - write a human-readable listing of @len bytes of code at
 * run-time address @addr into @out (one instruction per line), for review
 * and messages.  Returns the number of instructions, negative on error.
 */
int arch_disasm(const unsigned char *code, size_t len, uint64_t addr,
		char **out);

/* One decoded instruction, for review (suture review). */
struct arch_insn {
	uint64_t addr;	 /* where it is (as given to arch_disasm_insns) */
	size_t size;	 /* bytes */
	char text[200];	 /* "mnemonic operands" */
	uint64_t target; /* the address a relative branch or a pc-relative
			    operand refers to, as encoded; 0 if none */
	bool pcrel;	 /* target is a memory operand (else a branch) */
};

/*
 * arch_disasm_insns - decode @len bytes of code at @addr into *out (*n
 * entries; the caller frees the array).  Negative on error.
 */
int arch_disasm_insns(const unsigned char *code, size_t len, uint64_t addr,
		      struct arch_insn **out, size_t *n);

/*
 * arch_insn_symbolic - @in's text with its target replaced by @name (the
 * operand "0x10(%rip)" becomes "name(%rip)", a branch "0x1234" becomes
 * "name"), into @buf.
 */
void arch_insn_symbolic(const struct arch_insn *in, const char *name, char *buf,
			size_t len);

/* ---- control flow ------------------------------------------------------ */

/* How an instruction may leave the straight line (calls do not count). */
enum arch_flow {
	ARCH_FLOW_RETURN,   /* back to the caller */
	ARCH_FLOW_JUMP,	    /* a direct jump, conditional or not */
	ARCH_FLOW_INDIRECT, /* a jump through a register or memory */
};

struct arch_flow_insn {
	uint64_t off; /* of the instruction, from the start of the code */
	size_t size;  /* bytes */
	enum arch_flow kind;
};

/*
 * arch_code_flow - the instructions of the @len bytes of code at @code that
 * may leave the straight line, in order, into *out (*n entries; the caller
 * frees the array).  -EINVAL if the bytes do not all decode (*out is still
 * set), -ENOMEM if the decoder cannot start.
 */
int arch_code_flow(const unsigned char *code, size_t len,
		   struct arch_flow_insn **out, size_t *n);

/* ---- object code comparison ------------------------------------------ */

/*
 * arch_reloc_linker_span - bytes next to a relocated field of @type that the
 * linker may rewrite besides the field itself (instruction relaxation such
 * as GOTPCRELX mov -> lea, or TLS model changes).  `suture build` masks
 * [field - *before, field + width + *after) when it compares an object's
 * code with the linked target.
 */
void arch_reloc_linker_span(uint32_t type, size_t *before, size_t *after);

/*
 * arch_code_equiv - whether @a, a function from an object file whose bytes
 * flagged in @amask the linker fills in, is the same code as @b, the same
 * function in a linked binary.  Padding (nops) is ignored and a relative
 * branch may be encoded with another length, as the assembler relaxes
 * branches differently when functions share a section, as long as it
 * lands on the same instruction.  Returns 1 if equivalent; 0 if not, with
 * *adiff and *bdiff the offsets in @a and @b of the first instruction that
 * differs (the length when one ends first); negative on error.
 */
int arch_code_equiv(const unsigned char *a, size_t alen, const bool *amask,
		    const unsigned char *b, size_t blen, size_t *adiff,
		    size_t *bdiff);

/*
 * arch_code_map - for @a and @b that arch_code_equiv() found equivalent,
 * the offsets in @b (*@boffs) of the @n bytes at offsets @aoffs of @a: the
 * same byte of the same instruction, counted without nops.  Returns 1,
 * or 0 if some offset has no counterpart (the code does not decode).
 */
int arch_code_map(const unsigned char *a, size_t alen, const unsigned char *b,
		  size_t blen, const uint64_t *aoffs, uint64_t *boffs,
		  size_t n);

/* ---- dynamic linking of the running process -------------------------- */

/*
 * arch_dynreloc_is_slot - whether a dynamic relocation of @type (in a
 * module's .rela.dyn or .rela.plt) fills a GOT slot with the address of its
 * symbol (GLOB_DAT, JUMP_SLOT), so that reading the slot in the running
 * process tells where the dynamic linker bound that symbol.
 */
bool arch_dynreloc_is_slot(uint32_t type);

/*
 * arch_dynreloc_is_irelative - whether @type fills a slot with the result of
 * calling the IFUNC resolver at its addend (IRELATIVE): the slot then holds
 * the implementation the process chose, e.g. libc's internal strlen.
 */
bool arch_dynreloc_is_irelative(uint32_t type);

/* ---- crash-safe changes ------------------------------------------------ */

/*
 * A gate is the code a trampoline jumps to when a patch must be switched on
 * and off in one step.  It tests a commit byte: when the byte is non-zero it
 * jumps to the new function, otherwise it runs the instructions the
 * trampoline displaced (moved so that they work at their new address) and
 * jumps back behind them into the old function.  Writing all trampolines
 * therefore changes nothing; writing the commit byte switches every function
 * of the patch at once.
 */
#define ARCH_GATE_MAX 96

/*
 * arch_gate_write - encode into @buf the gate placed at @at for a function
 * whose entry is at @entry and whose current first bytes are @code (@avail
 * bytes: the whole function).  @flag is the commit byte's address, @new_fn
 * the replacement.  *len gets the gate's length.  Fails when an entry
 * instruction cannot be moved, or the function branches into the middle of
 * the moved instructions.
 */
int arch_gate_write(unsigned char *buf, size_t *len, uint64_t at, uint64_t flag,
		    uint64_t new_fn, const unsigned char *code, size_t avail,
		    uint64_t entry, struct error *err);

/*
 * arch_entry_move - encode into @buf, placed at @at, the instructions a
 * trampoline overwrites at @entry (whose first bytes are @code, @avail of
 * them), moved so that they work at @at, followed by a jump back behind
 * them: a way into the function's code that bypasses its entry.  *len gets
 * the length (less than ARCH_GATE_MAX).  Fails when an instruction cannot
 * be moved; unlike arch_gate_write it does not check that the function
 * branches into the moved instructions (the caller knows that it does not).
 */
int arch_entry_move(unsigned char *buf, size_t *len, uint64_t at,
		    const unsigned char *code, size_t avail, uint64_t entry,
		    struct error *err);

/*
 * arch_runner_write - encode into @buf, placed at @at, a function that
 * calls the @n functions @fns in order, then sets the byte at @flag to 1,
 * then returns (*len gets its length, at most ARCH_GATE_MAX).  -E2BIG if
 * that does not fit.  A patch's hooks run through one of each kind, so
 * the flag says whether they all ran, whoever was left to see them finish
 * (hooks.h).  With @veto non-zero the functions return int: the first
 * that returns non-zero ends the runner, flag clear, returning that value;
 * either way the byte at @veto gets how many functions it called.
 */
int arch_runner_write(unsigned char *buf, size_t *len, uint64_t at,
		      const uint64_t *fns, size_t n, uint64_t flag,
		      uint64_t veto, struct error *err);

/*
 * arch_branches_into - whether code at @addr (@len bytes) has a direct
 * branch whose target lies strictly inside (@lo, @hi): such a function
 * would jump into the middle of its own displaced entry.  Code that does
 * not decode whole counts as such: what follows cannot be told.
 */
bool arch_branches_into(const unsigned char *code, size_t len, uint64_t addr,
			uint64_t lo, uint64_t hi);

/*
 * arch_code_targets - append to *@out (*@n entries, room for *@cap, grown
 * as needed) the target of every relative branch and pc-relative operand
 * of the code at @addr (@len bytes).  Bytes that do not decode are stepped
 * over one at a time (data among code).
 */
void arch_code_targets(const unsigned char *code, size_t len, uint64_t addr,
		       uint64_t **out, size_t *n, size_t *cap);

/*
 * arch_is_padding - whether the @len bytes @code are all what toolchains
 * fill the space between functions with (on x86-64: int3, zero bytes,
 * nops), so that no code of the program can be there.
 */
bool arch_is_padding(const unsigned char *code, size_t len);

/*
 * A rescue stub runs one injected system call and then, by itself, puts
 * the thread's signal mask and every register back and jumps to where the
 * thread was: if suture dies while a thread's registers point at it, the
 * thread still resumes exactly as it would have.  The stub starts with the
 * system call instruction; a thread "parked" at arch_rescue_park() skips
 * it and only restores.
 */
#define ARCH_RESCUE_MAX 512
size_t arch_rescue_len(void);
size_t arch_rescue_park(void);

/*
 * The stub also serves to call a function in the target (a patch's hook):
 * the call returns to arch_rescue_return(), which keeps the return value
 * in a register and goes on to the park point, so the thread restores
 * itself whether or not suture is still there.  A tracer sees the return
 * as the system-call stop of the park point's call, with the pc at
 * arch_rescue_parked() (offsets from the stub's start), and the value in
 * those registers as arch_rescue_retval().
 */
size_t arch_rescue_return(void);
size_t arch_rescue_parked(void);
uint64_t arch_rescue_retval(const arch_regs *r);

/*
 * The stub can also run a batch of system calls with one resume: its tail,
 * arch_batch_len() bytes from arch_rescue_len() (arch_batch_write), reads
 * a table of ARCH_BATCH_ENTRY-byte entries (8-byte words: number, six
 * arguments, flags, result) and runs them in order, storing each result in
 * its entry, until one fails (-4095..-1) or all ran; then it runs the
 * notify entry (which raises the signal a tracer waits for) and goes to
 * the park point, so a thread left alone restores itself.  Flags: the
 * result of a KEEP call (a descriptor) replaces argument 0 (FD0) or 4
 * (FD4) of the calls after it; an AT call fails unless it returns its
 * argument 0 (an mmap that did not map where asked); a STORE call also
 * writes its result's low 32 bits (a descriptor) at the addresses in its
 * arguments 4 and 5 (they may be the same; never with FD4), for the calls
 * after it to read (an argument in their entries, an SCM_RIGHTS message);
 * the failure of a SOFT call (never with AT) does not end the batch: the
 * next call runs.  With QUIET in the notify entry, a batch whose every
 * call succeeded (a SOFT one may fail) skips the notify call: it zeroes the
 * calls' entries (minus their size in bytes, not 0, is the notify entry's
 * result word) and goes to the park point, the thread not stopping again.
 */
#define ARCH_BATCH_ENTRY 72
#define ARCH_BATCH_FD0	 0x01
#define ARCH_BATCH_AT	 0x02
#define ARCH_BATCH_QUIET 0x04
#define ARCH_BATCH_STORE 0x08
#define ARCH_BATCH_FD4	 0x10
#define ARCH_BATCH_SOFT	 0x20
#define ARCH_BATCH_KEEP	 0x80
size_t arch_batch_len(void);
/* arch_batch_write - encode the tail placed at @at, ending at @park. */
void arch_batch_write(unsigned char *buf, uint64_t at, uint64_t park);
/* arch_batch_setup - make @r run the @n entries at @table, then the
 * notify entry @notify, with the tail at @at. */
void arch_batch_setup(arch_regs *r, uint64_t at, uint64_t table, size_t n,
		      uint64_t notify);
/* arch_batch_insn - the offset of the tail's system call instruction. */
size_t arch_batch_insn(void);
/* arch_batch_done - whether @r is right after the notify entry's call. */
bool arch_batch_done(const arch_regs *r, uint64_t at, uint64_t notify);

/*
 * arch_call_setup - change @r so that the thread calls @fn() on its own
 * stack (below the red zone) and returns to @ret.  The caller writes the
 * @len bytes of @frame at *@at first (the return address, on x86-64).
 */
#define ARCH_FRAME_MAX 16
void arch_call_setup(arch_regs *r, uint64_t fn, uint64_t ret,
		     unsigned char *frame, size_t *len, uint64_t *at);

/* The ptrace register set (PTRACE_GETREGSET) holding the whole
 * floating-point and vector state, which a called function may change. */
extern const unsigned int arch_fp_regset;
#define ARCH_FP_MAX 65536 /* x86 with AMX tiles needs 11008 */

/*
 * arch_rescue_write - encode into @buf a rescue stub placed at @at that
 * resumes with @resume (see arch_regs_resume) and signal mask @sigmask.
 */
void arch_rescue_write(unsigned char *buf, uint64_t at, const arch_regs *resume,
		       uint64_t sigmask);

/*
 * arch_regs_resume - the registers a thread stopped with @stopped continues
 * with when it resumes without a signal: if it was interrupted in a system
 * call that the kernel would restart, the restart (pc moved back over the
 * system call instruction, call number restored) is applied here, as the
 * rescue stub runs in user space where the kernel cannot do it.
 */
void arch_regs_resume(const arch_regs *stopped, arch_regs *resume);

/*
 * arch_plt_entry - the start of the PLT entry, among @len bytes of PLT code
 * at link-time address @addr, that jumps through the GOT slot at @slot; 0
 * if there is none.  A statically linked program calls its IFUNCs (strcmp,
 * memcpy) only through such entries, whose slot an IRELATIVE relocation
 * fills at startup.
 */
uint64_t arch_plt_entry(const unsigned char *code, size_t len, uint64_t addr,
			uint64_t slot);

/* GNU target triplet ("x86_64-linux-gnu"): prefix of cross-named compilers
 * such as x86_64-linux-gnu-gcc that builds may call. */
extern const char arch_gnu_triplet[];

/* The dynamic linker (PT_INTERP) and the directory of the libraries of
 * this architecture on the host: what `suture build --root` brings into
 * the root to run suture itself there (src/build/sandbox.c). */
extern const char arch_dynamic_linker[];
extern const char arch_host_libdir[];

#endif
