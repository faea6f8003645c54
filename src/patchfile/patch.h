/*
 * patch.h - a live patch in memory: what `suture build` produces and what
 * `suture apply` consumes.  docs/FORMAT.md describes how it is stored.
 *
 * A patch is a small relocatable object.  Its sections hold the new code and
 * data; its relocations say how to bind them.  Every relocation names a
 * symbol of one of three kinds:
 *
 *   PSYM_LOCAL   defined in one of the patch's own sections (new code, new
 *                data, private copies of string literals and constants);
 *   PSYM_TARGET  a function or variable of the module being patched, given
 *                by its link-time address in that module.  `suture build`
 *                resolves these against the target's symbol table (statics
 *                included, told apart by source file), so apply only adds
 *                the module's load bias;
 *   PSYM_EXTERN  a symbol found by name among the libraries loaded in the
 *                process (libc and friends), resolved when applying.
 *
 * Input fields are set by the builder or the reader; nothing here is runtime
 * state of an apply.
 */
#ifndef SUTURE_PATCHFILE_PATCH_H
#define SUTURE_PATCHFILE_PATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buildid.h"

struct json_t; /* jansson's JSON value */

#define PATCH_NAME_MAX	   64
#define PATCH_BUILD_ID_MAX BUILD_ID_MAX
#define PATCH_ID_LEN	   16 /* hex digits of a patch file's identity */
/* Largest function a patch replaces (old_size): apply reads the whole
 * function, so an absurd size must be refused, not allocated. */
#define PATCH_FUNC_MAX (64u << 20)

/* Section flags, independent of ELF's. */
/* Sections ".suture.hook.KIND" hold pointers to the patch's hooks
 * (include/suture.h); KIND is pre_apply, post_apply, pre_revert or
 * post_revert. */
#define PATCH_HOOK_PREFIX ".suture.hook."

#define PSEC_EXEC  0x1 /* machine code */
#define PSEC_WRITE 0x2 /* writable at run time (new variables) */

struct patch_reloc {
	uint64_t offset; /* where, in bytes from the start of the section */
	uint32_t type;	 /* architecture relocation type (R_X86_64_*) */
	uint32_t symbol; /* index into patch.symbols */
	int64_t addend;
};

struct patch_section {
	char *name;	     /* e.g. ".text.handle_request"; for humans */
	uint32_t flags;	     /* PSEC_* */
	bool nobits;	     /* zero-filled: data is NULL */
	uint64_t align;	     /* power of two, >= 1 */
	uint64_t size;	     /* bytes */
	unsigned char *data; /* size bytes, or NULL if nobits */
	struct patch_reloc *relocs;
	size_t nrelocs;
};

enum patch_symbol_kind {
	PSYM_LOCAL,
	PSYM_TARGET,
	PSYM_EXTERN,
};

struct patch_symbol {
	char *name; /* never NULL; "" allowed for PSYM_LOCAL */
	enum patch_symbol_kind kind;
	uint32_t section; /* PSYM_LOCAL: index into patch.sections */
	uint64_t value;	  /* LOCAL: offset in section;
			     TARGET: link-time address in module */
	uint64_t size;	  /* bytes, 0 if unknown */
	bool func;	  /* a function (else data or untyped) */
	bool weak;	  /* EXTERN: resolves to 0 if not found */
};

/* Flags of a replaced function. */
#define PFUNC_PART                                                             \
	0x1 /* a split-off part (foo.cold): never entered from                 \
	       outside, so it gets no trampoline, but no thread may            \
	       be in it when the patch goes live */

/* The most padding after a function its trampoline's check covers. */
#define PATCH_PAD_MAX 4096

/* A function of the target that the patch replaces. */
struct patch_func {
	char *name;	     /* symbol name in the target */
	char *file;	     /* source file of a static symbol, else NULL */
	uint64_t old_addr;   /* link-time address in the target module */
	uint64_t old_size;   /* bytes */
	uint64_t pad;	     /* bytes of the padding after it that its
				trampoline may use, when old_size is too
				short for one (build/padroom.h); else 0 */
	uint32_t new_symbol; /* index of its PSYM_LOCAL replacement */
	uint32_t flags;	     /* PFUNC_* */
};

/* patch_func_span - the bytes at a function's entry that apply may write
 * and forbids: the function and the padding its trampoline may use. */
static inline uint64_t patch_func_span(const struct patch_func *f)
{
	return f->old_size + f->pad;
}

struct patch {
	char name[PATCH_NAME_MAX + 1]; /* [A-Za-z0-9._-], 1..64 chars */
	unsigned char build_id[PATCH_BUILD_ID_MAX];
	size_t build_id_len;
	char *target_file;   /* file name of the patched module, for humans */
	struct json_t *info; /* free-form build record: compiler, commands,
				what changed; a JSON object (jansson's,
				owned), or NULL: the builder's, or read
				by patch_info_load() */
	char *info_text;     /* a read file's .suture.build, not parsed
				(apply never needs it), or NULL */
	size_t info_len;
	char id[PATCH_ID_LEN + 1];    /* identity of the file it was read from
					 (its checksum trailer in hex); "" for a
					 patch being built */
	char on[PATCH_NAME_MAX + 1];  /* the patch this one was built on
					 (suture build --on), or "" */
	char on_id[PATCH_ID_LEN + 1]; /* that patch's id */
	struct patch_signer *signer;  /* who signed the file it was read from
					 (trust/sigblock.h), or NULL */

	struct patch_section *sections;
	size_t nsections;
	struct patch_symbol *symbols;
	size_t nsymbols;
	struct patch_func *funcs;
	size_t nfuncs;
};

/* patch_free - release everything a patch owns, including @p itself. */
void patch_free(struct patch *p);

/*
 * patch_info_load - parse the build record a patch file carries in
 * .suture.build (info_text) into @p->info, if not done: for the commands
 * that show or build on it.  An unparsable record leaves info NULL, as
 * one that is no JSON object; readers must not depend on it to apply.
 */
void patch_info_load(struct patch *p);

/* patch_name_valid - true if @name may name a patch (see PATCH_NAME_MAX). */
bool patch_name_valid(const char *name);

#endif
