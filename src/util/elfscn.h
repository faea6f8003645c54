/* elfscn.h - a section added to an ELF file being written with libelf. */
#ifndef SUTURE_UTIL_ELFSCN_H
#define SUTURE_UTIL_ELFSCN_H

#include <gelf.h>

#include "util/strtab.h"

/*
 * elfscn_add - a new section of @e named @name (its name added to @shstr),
 * with header @sh (sh_name and sh_size are filled in here) and one data
 * block @buf of @size bytes of @type.  @buf stays the caller's and must
 * live until the file is written.
 */
Elf_Scn *elfscn_add(Elf *e, struct strtab *shstr, const char *name,
		    GElf_Shdr *sh, void *buf, size_t size, Elf_Type type);

/* elfscn_shstrtab - the section-name table @shstr as @e's .shstrtab (its
 * own name added first), named in the ELF header; the last section. */
void elfscn_shstrtab(Elf *e, struct strtab *shstr);

#endif
