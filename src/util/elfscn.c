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

/* .shstrtab names itself, so its own name must be in the table before the
 * table's buffer is handed to libelf (adding it later could move it). */
void elfscn_shstrtab(Elf *e, struct strtab *shstr)
{
	GElf_Shdr sh = {.sh_type = SHT_STRTAB, .sh_addralign = 1};
	Elf_Scn *scn;
	Elf_Data *d;
	GElf_Ehdr eh;

	sh.sh_name = strtab_add(shstr, ".shstrtab");
	sh.sh_size = shstr->len;
	scn = elf_newscn(e);
	d = elf_newdata(scn);
	d->d_buf = shstr->buf;
	d->d_size = shstr->len;
	d->d_type = ELF_T_BYTE;
	d->d_align = 1;
	gelf_update_shdr(scn, &sh);
	gelf_getehdr(e, &eh);
	eh.e_shstrndx = (Elf64_Half)elf_ndxscn(scn);
	gelf_update_ehdr(e, &eh);
}
