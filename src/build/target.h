/*
 * target.h - the binary the running processes execute: its build id, its
 * symbol table (statics told apart by the STT_FILE symbol the linker puts
 * before each object's local symbols) and the bytes at its addresses.
 */
#ifndef SUTURE_BUILD_TARGET_H
#define SUTURE_BUILD_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patchfile/patch.h"
#include "util/error.h"

struct target_sym {
	char *name;	/* without any @VERSION suffix */
	uint64_t value; /* link-time address */
	uint64_t size;
	unsigned char type, bind, other; /* STT_*, STB_*, STV_* */
	bool defined;
	int file; /* index of the STT_FILE run it follows; -1 if global */
};

struct target_seg; /* an address range with bytes (private) */

struct target {
	char *path;
	unsigned char build_id[PATCH_BUILD_ID_MAX];
	size_t build_id_len;
	char *comment;	  /* .comment text */
	bool has_symtab;  /* a .symtab, its own or its debug file's */
	bool relocatable; /* a relocatable object (a kernel module): its
			     sections get made-up addresses, their
			     relocated fields hold no addresses */
	char *debug_path; /* separate debug file the symbols came from */
	char *debuglink;  /* file name in .gnu_debuglink, or NULL */
	char **needed;	  /* DT_NEEDED library names */
	size_t nneeded;
	struct target_sym *syms;
	size_t nsyms;
	char **files; /* STT_FILE names, indexed by target_sym.file */
	size_t nfiles;
	struct target_seg *segs;
	size_t nsegs;
	unsigned char *image; /* the whole file */
	size_t image_len;
	struct target_seg *plts; /* PLT sections */
	size_t nplts;
	uint64_t *irel; /* IRELATIVE relocations: slot, resolver pairs */
	size_t nirel;
	struct target_slot {
		uint64_t addr; /* a GOT slot */
		char *name;    /* the dynamic symbol it is for */
	} * slots;
	size_t nslots;
};

/*
 * target_open - load @path.  Fails when it is not an executable, shared
 * library or relocatable object (a kernel module) of this architecture.  A
 * stripped file or one without a build id loads; the caller decides
 * (debugfile.c).
 */
int target_open(const char *path, struct target **out, struct error *err);
void target_close(struct target *t);

/*
 * target_add_debug - take the symbol table (and .comment, if @t has none)
 * of stripped @t from @debug_path, its separate debug file (objcopy
 * --only-keep-debug).  Refused unless both have the same build id.
 */
int target_add_debug(struct target *t, const char *debug_path,
		     struct error *err);

/* target_dwarf_path - the file holding @t's DWARF, if it has any. */
const char *target_dwarf_path(const struct target *t);

/*
 * target_lookup - the defined function or variable @name of the target.
 * With @file (a static of the object whose STT_FILE is @file), it is
 * searched among the local symbols following each STT_FILE of that name,
 * or only those following STT_FILE number @run if @run >= 0 (objects.c
 * tells same-named files apart by link order);
 * otherwise among globals and hidden symbols the linker made local.
 * *out is NULL when the target has no such symbol (inlined or discarded).
 * -EEXIST, with a message, when several symbols fit.
 */
int target_lookup(const struct target *t, const char *name, const char *file,
		  int run, const struct target_sym **out, struct error *err);

/* target_file_run - the index (as in target_sym.file) of the @k-th
 * STT_FILE named @file, or -1; *count gets how many there are. */
int target_file_run(const struct target *t, const char *file, size_t k,
		    size_t *count);

/*
 * target_ifunc_entry - where the target's own code calls the IFUNC whose
 * resolver is at @resolver: the PLT entry jumping through the slot an
 * IRELATIVE relocation fills from that resolver; 0 if there is none.
 */
uint64_t target_ifunc_entry(const struct target *t, uint64_t resolver);

/* target_slot_name - the dynamic symbol the GOT slot at link-time @addr
 * is for, or NULL. */
const char *target_slot_name(const struct target *t, uint64_t addr);

/* target_plt_name - the function the PLT entry at link-time @addr calls,
 * or NULL. */
const char *target_plt_name(const struct target *t, uint64_t addr);

/* target_bytes - the file bytes at link-time address @addr, @size long, or
 * NULL when they are not all in the file. */
const unsigned char *target_bytes(const struct target *t, uint64_t addr,
				  uint64_t size);

#endif
