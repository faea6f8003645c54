/*
 * elfscn.c - adding a section with its data to an ELF file being written:
 * the patch file writer and the kernel module writer build their files the
 * same way, one data block per section.
 */
#include "util/elfscn.h"

Elf_Scn *elfscn_add(Elf *e, struct strtab *shstr, const char *name,
		    GElf_Shdr *sh, void *buf, size_t size, Elf_Type type)
{
	Elf_Scn *scn = elf_newscn(e);
	Elf_Data *d = elf_newdata(scn);

	d->d_buf = buf;
	d->d_size = size;
	d->d_type = type;
	d->d_align = sh->sh_addralign ? sh->sh_addralign : 1;
	d->d_version = EV_CURRENT;
	sh->sh_name = strtab_add(shstr, name);
	sh->sh_size = size;
	gelf_update_shdr(scn, sh);
	return scn;
}
