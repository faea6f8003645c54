/*
 * record.h - the record suture leaves in the target next to each patch.
 *
 * The first page(s) of every region suture maps into a process hold a
 * versioned binary record of what was done: which patch, when, in what
 * order, and for every replaced function its entry, its new address and
 * the bytes the trampoline overwrote.  `suture status` and `suture revert`
 * rebuild everything they know from /proc/PID/maps and these records, so
 * no state lives outside the patched process and a fresh suture process
 * (or one from a later version that still reads version 1) can undo a
 * patch.  Records are read as untrusted input: magic, version, checksum and
 * every offset are checked before any field is used.
 */
#ifndef SUTURE_APPLY_RECORD_H
#define SUTURE_APPLY_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "patchfile/patch.h"
#include "util/error.h"

#define RECORD_VERSION 1

/* Largest record: what status, revert and drift read (record_needed), and
 * so what apply may write (record_fits).  One limit for both sides: a
 * record apply wrote but readers refused would hide a live patch. */
#define RECORD_MAX_SIZE (16u << 20)

/* The parts of a region, in address order. */
enum record_part_kind {
	RECORD_PART_RECORD, /* this record: read-only */
	RECORD_PART_TEXT,   /* code, constants, GOT, stubs: read + exec */
	RECORD_PART_DATA,   /* new variables: read + write */
	RECORD_NPARTS,
};

struct record_part {
	uint64_t offset; /* from the region's base; page aligned */
	uint64_t size;	 /* bytes, page aligned; 0 if the part is empty */
	int prot;	 /* PROT_* */
};

/* Bytes [offset, offset + size) from the region's base. */
struct record_span {
	uint64_t offset, size;
};

struct record_func {
	char *name;
	uint64_t entry;	   /* run-time address of the replaced function */
	uint64_t new_addr; /* run-time address of its replacement */
	uint64_t new_size; /* bytes of the replacement, 0 if unknown */
	uint32_t old_size; /* bytes of the replaced function (a suture
			      finishing an interrupted apply forbids them,
			      leftover.h); 0 in records of older suture */
	uint32_t flags;	   /* PFUNC_*; PFUNC_PART entries have no trampoline */
	unsigned char saved[ARCH_TRAMPOLINE_MAX]; /* bytes the trampoline
						     overwrote */
	size_t saved_len;
	uint64_t gate;	    /* run-time address of its gate (arch.h), where
			       the trampoline jumps; 0: straight to new_addr */
	uint64_t gate_size; /* bytes */
};

/*
 * A switch: an entry that `suture apply --replace` moved from the patches
 * it replaces to this one.  While the replace runs, the entry jumps to the
 * switch's gate, which follows the commit byte: the old chain (@before's
 * jump) while it is clear, the replacement or the original code once it is
 * set.  After the commit the entry gets @after (a jump to the function's
 * own gate, or the original bytes for a function this patch leaves alone),
 * and the switch is spent: no entry jumps to its gate any more.
 */
struct record_switch {
	uint64_t entry; /* run-time address of the function */
	uint64_t gate;	/* its switch gate, in this patch's region */
	unsigned char before[ARCH_TRAMPOLINE_MAX]; /* the entry before */
	unsigned char after[ARCH_TRAMPOLINE_MAX];  /* the entry after */
	size_t len;				   /* bytes of each */
};

/* A hook of the patch (include/suture.h), to run in the target. */
enum record_hook_kind {
	HOOK_PRE_APPLY,
	HOOK_POST_APPLY,
	HOOK_PRE_REVERT,
	HOOK_POST_REVERT,
	HOOK_RUN_POST_APPLY,  /* the runner of the post-apply hooks */
	HOOK_RUN_POST_REVERT, /* and of the post-revert hooks (hooks.h) */
	HOOK_RUN_PRE_APPLY,   /* of the pre-apply hooks (records of older
				 suture have none: their pre hooks are
				 called one by one) */
	HOOK_RUN_PRE_REVERT,  /* of the pre-revert hooks */
	HOOK_NKINDS,
};

struct record_hook {
	uint32_t kind; /* enum record_hook_kind */
	uint64_t addr; /* run-time address of the function, in the
			  region's code */
	char *name;    /* the function's name */
};

/*
 * What the last check of a retained region found (retain.h): a note at
 * the end of its record's part, written by the check that kept it.
 */
struct record_retain {
	uint64_t refs;	     /* references found */
	uint64_t at;	     /* where the first was; 0: in a register */
	uint64_t tid;	     /* whose register, when @at is 0 */
	uint64_t checked_ns; /* when (CLOCK_REALTIME) */
};

#define RECORD_RETAIN_SIZE 40

struct record {
	uint64_t seq; /* 1 + the highest seq in the process when applied */
	char name[PATCH_NAME_MAX + 1];
	unsigned char build_id[PATCH_BUILD_ID_MAX];
	size_t build_id_len;
	char *target_file;
	uint64_t base, size; /* the region: [base, base + size) */
	struct record_part parts[RECORD_NPARTS];
	struct record_span unwind;    /* the patch's .eh_frame (call-frame
					 information), inside the text part;
					 size 0 if it has none */
	char id[PATCH_ID_LEN + 1];    /* the patch file's id */
	char on[PATCH_NAME_MAX + 1];  /* the patch it was built on, or "" */
	char on_id[PATCH_ID_LEN + 1]; /* that patch's id */
	uint64_t applied_ns;	      /* CLOCK_REALTIME */
	bool live; /* the commit byte: gates send calls to the new
		      code.  Written alone, after everything else,
		      so that one byte switches the whole patch. */
	struct record_func *funcs;
	size_t nfuncs;
	struct record_switch *switches; /* a replacing patch's switches;
					   such a patch supersedes every
					   patch of its module applied
					   before it (state.h) */
	size_t nswitches;
	struct record_hook *hooks; /* in the order the patch lists them */
	size_t nhooks;
	uint64_t shadow; /* the shadow-data anchor it uses (shadow.h), or 0 */
	bool retained;	 /* switched off, and kept mapped because the
			    program may still use it (retain.h); written
			    after the record, like the commit byte */
	struct record_retain retain; /* its note, if read (state.h) */
	size_t encoded_size;	     /* bytes of the record in the process */
	int pending_hooks;	     /* not in the record: the kind of hooks an
					interrupted suture left to run, or -1
					(hooks_pending, set by state_read) */
};

/* record_live_offset - where the commit byte is, from the region base. */
size_t record_live_offset(void);

/* record_retained_offset - where the retained byte is, from the base. */
size_t record_retained_offset(void);

/*
 * record_canary - the address of a byte of @r's region that neither the
 * program nor a stop of suture writes: the first of its code (its commit
 * and retained bytes, in the record's page, are written by the stops of
 * apply, revert and gc before their scan).  The scan made before a stop
 * rewrites it after clearing the soft-dirty marks, and the stop trusts
 * the marks only if its page still reads as written (prescan.h).  The
 * commit byte if the region has no code.
 */
uint64_t record_canary(const struct record *r);

/* record_retain_offset - where @r's retained note goes, from the base;
 * 0 if its record leaves no room for one. */
size_t record_retain_offset(const struct record *r);

/* record_retain_encode, record_retain_decode - the note in the process's
 * form; decode is false if @buf holds none. */
void record_retain_encode(const struct record_retain *n,
			  unsigned char buf[RECORD_RETAIN_SIZE]);
bool record_retain_decode(const unsigned char buf[RECORD_RETAIN_SIZE],
			  struct record_retain *n);

/* record_func_jump - where @f's trampoline jumps: its gate, or the new
 * function itself when it has no gate. */
uint64_t record_func_jump(const struct record_func *f);

/* record_switch_pending - whether @s's entry (its bytes now at @have) still
 * jumps to the switch gate, so the switch has not been completed. */
bool record_switch_pending(const struct record_switch *s,
			   const unsigned char *have);

/* record_size - bytes record_encode writes for @r. */
size_t record_size(const struct record *r);

/* record_fits - -EFBIG, saying what makes it large, if @r is larger than
 * RECORD_MAX_SIZE. */
int record_fits(const struct record *r, struct error *err);

/* record_encode - serialise @r into @buf of record_size(@r) bytes. */
void record_encode(const struct record *r, unsigned char *buf);

/*
 * record_decode - parse and validate the @len bytes at @buf, found at
 * run-time address @at.  On success @r owns new strings; release with
 * record_free.  -EINVAL with a message saying what is wrong otherwise.
 */
int record_decode(const unsigned char *buf, size_t len, uint64_t at,
		  struct record *r, struct error *err);

/* record_free - release what @r owns (not @r itself). */
void record_free(struct record *r);

/* record_needed - bytes at the start of @buf (@len available) that the
 * record there claims to occupy, or 0 if it is no record at all. */
size_t record_needed(const unsigned char *buf, size_t len);

#endif
