/*
 * unwind.c - unwind images of patch regions (unwind.h).
 *
 * The file is laid out as
 *
 *   Elf64_Ehdr | Elf64_Phdr | .eh_frame bytes | .shstrtab | 3 Elf64_Shdr
 *
 * and is ET_DYN with its PT_LOAD at address 0, so libdwfl's bias for the
 * module is the region's base, and the section's address is the table's
 * offset in the region.  Nothing else is needed: libdw finds the CFI of an
 * ELF file by the section name .eh_frame when there is no .eh_frame_hdr,
 * and searches its FDEs linearly (a patch has few).
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "process/unwind.h"
#include "util/xalloc.h"

/* Largest call-frame table believed: the region's record, where the
 * caller read its size, is untrusted input. */
#define UNWIND_MAX_SIZE (16u << 20)

static const char shstrtab[] = "\0.eh_frame\0.shstrtab";
#define NAME_EH_FRAME 1
#define NAME_SHSTRTAB 11

static uint64_t align8(uint64_t v)
{
	return (v + 7) & ~(uint64_t)7;
}

static void put_headers(unsigned char *elf, const struct unwind_region *r,
			uint64_t eh_off, uint64_t shoff)
{
	Elf64_Ehdr eh = {
	    .e_type = ET_DYN,
	    .e_machine = (Elf64_Half)arch_elf_machine,
	    .e_version = EV_CURRENT,
	    .e_phoff = sizeof(Elf64_Ehdr),
	    .e_shoff = shoff,
	    .e_ehsize = sizeof(Elf64_Ehdr),
	    .e_phentsize = sizeof(Elf64_Phdr),
	    .e_phnum = 1,
	    .e_shentsize = sizeof(Elf64_Shdr),
	    .e_shnum = 3,
	    .e_shstrndx = 2,
	};
	Elf64_Phdr ph = {
	    .p_type = PT_LOAD,
	    .p_flags = PF_R | PF_X,
	    .p_memsz = r->size,
	    .p_align = 4096,
	};

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	memcpy(elf, &eh, sizeof(eh));
	memcpy(elf + sizeof(eh), &ph, sizeof(ph));
}

static void put_sections(unsigned char *elf, const struct unwind_region *r,
			 uint64_t eh_off, uint64_t str_off, uint64_t shoff)
{
	Elf64_Shdr sh[3] = {
	    [1] =
		{
		    .sh_name = NAME_EH_FRAME,
		    .sh_type = SHT_PROGBITS,
		    .sh_flags = SHF_ALLOC,
		    .sh_addr = r->eh_offset,
		    .sh_offset = eh_off,
		    .sh_size = r->eh_size,
		    .sh_addralign = 8,
		},
	    [2] =
		{
		    .sh_name = NAME_SHSTRTAB,
		    .sh_type = SHT_STRTAB,
		    .sh_offset = str_off,
		    .sh_size = sizeof(shstrtab),
		    .sh_addralign = 1,
		},
	};

	memcpy(elf + str_off, shstrtab, sizeof(shstrtab));
	memcpy(elf + shoff, sh, sizeof(sh));
}

int unwind_image_make(const struct unwind_region *r, const struct rmem *mem,
		      struct unwind_image *img, struct error *err)
{
	uint64_t eh_off = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
	uint64_t str_off = eh_off + r->eh_size;
	uint64_t shoff = align8(str_off + sizeof(shstrtab));
	int ret;

	memset(img, 0, sizeof(*img));
	if (!r->eh_size)
		return -ENOENT;
	if (r->eh_size > UNWIND_MAX_SIZE)
		return error_set(err, -EINVAL,
				 "region '%s' claims %" PRIu64 " bytes of "
				 "call-frame information",
				 r->name, r->eh_size);
	img->len = shoff + 3 * sizeof(Elf64_Shdr);
	img->elf = xcalloc(1, img->len);
	img->base = r->base;
	if ((ret = rmem_read(mem, r->base + r->eh_offset, img->elf + eh_off,
			     r->eh_size, err))) {
		unwind_image_free(img);
		return ret;
	}
	put_headers(img->elf, r, eh_off, shoff);
	put_sections(img->elf, r, eh_off, str_off, shoff);
	return 0;
}

void unwind_image_free(struct unwind_image *img)
{
	free(img->elf);
	memset(img, 0, sizeof(*img));
}
