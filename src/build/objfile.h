/*
 * objfile.h - an ELF relocatable object loaded into plain structures:
 * sections with their bytes and relocations, and symbols.  The build stages
 * compare and copy code through this model and never touch libelf.
 */
#ifndef SUTURE_BUILD_OBJFILE_H
#define SUTURE_BUILD_OBJFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct obj_reloc {
	uint64_t offset; /* in the section holding the field */
	uint32_t type;	 /* R_X86_64_* and friends */
	uint32_t sym;	 /* index into objfile.syms */
	int64_t addend;
};

struct obj_section {
	char *name;
	uint32_t type;		  /* SHT_* */
	uint64_t flags;		  /* SHF_* */
	uint64_t size;		  /* bytes */
	uint64_t align;		  /* >= 1 */
	uint64_t entsize;	  /* element size of SHF_MERGE sections */
	unsigned char *data;	  /* size bytes; NULL for SHT_NOBITS and for
				     sections nobody reads (debug info) */
	struct obj_reloc *relocs; /* sorted by offset */
	size_t nrelocs;
	uint32_t *owners; /* its FUNC and OBJECT symbols (for obj_owner) */
	size_t nowners;
	uint64_t *cuts; /* offsets relocations refer to, sorted; only for
			   read-only data that is not mergeable (see
			   norm_prepare) */
	size_t ncuts;
};

struct obj_symbol {
	char *name;	/* "" for section symbols */
	uint64_t value; /* offset in its section */
	uint64_t size;
	unsigned char type;  /* STT_* */
	unsigned char bind;  /* STB_* */
	unsigned char other; /* visibility, STV_* */
	uint32_t shndx;	     /* section index, or SHN_UNDEF/ABS/COMMON */
};

struct objfile {
	char *key;	/* path relative to the tree; "lib.a(m.o)" for
			   archive members: how orig and patched pair up */
	char *file_sym; /* name of the STT_FILE symbol, or NULL */
	int file_run;	/* which STT_FILE of the target is ours when several
			   have our name; -1 if unknown (objects.c) */
	char *comment;	/* .comment text (compiler identification) */
	char *source;	/* source file relative to the tree, from the
			   compile command; NULL if unknown */
	bool lto;	/* holds LTO bytecode instead of code */
	struct obj_section *secs; /* indexed by ELF section index */
	size_t nsecs;
	struct obj_symbol *syms; /* indexed by ELF symbol index */
	size_t nsyms;
};

/*
 * objfile_load - load the relocatable object at @path, or every member of
 * the ar archive at @path, appending them to *objs (*n entries).  @key is
 * the path relative to the tree, used as the pairing key.
 */
int objfile_load(const char *path, const char *key, struct objfile ***objs,
		 size_t *n, struct error *err);

/* objfile_free - release @o and everything it owns. */
void objfile_free(struct objfile *o);

/* Kinds of allocated sections, by their flags. */
bool obj_sec_exec(const struct obj_section *s);
bool obj_sec_rodata(const struct obj_section *s); /* alloc, !exec, !write */
bool obj_sec_data(const struct obj_section *s);	  /* alloc, write */

/* Whether @y defines a function or variable in a section of @o. */
bool obj_sym_defined(const struct objfile *o, const struct obj_symbol *y);

/*
 * obj_owner - the function or variable of section @shndx that offset @off
 * belongs to: the FUNC/OBJECT symbol covering it, else the only such
 * symbol of the section.  Returns its index, or -1.
 */
int obj_owner(const struct objfile *o, uint32_t shndx, int64_t off);

/* obj_find - index of the function/variable called @name defined in @o,
 * or -1. */
int obj_find(const struct objfile *o, const char *name);

/* obj_relocs_in - the relocations of section @shndx whose field lies in
 * [@off, @off + @size): *first is the index of the first, returns count. */
size_t obj_relocs_in(const struct objfile *o, uint32_t shndx, uint64_t off,
		     uint64_t size, size_t *first);

/* obj_reloc_mask - set @mask[k] for each byte @off + k of [@off, @off +
 * @size) of section @shndx that the linker fills in or may rewrite: the
 * relocated fields and the instruction bytes around them that relaxation
 * changes (arch_reloc_linker_span). */
void obj_reloc_mask(const struct objfile *o, uint32_t shndx, uint64_t off,
		    uint64_t size, bool *mask);

#endif
