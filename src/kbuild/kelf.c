/*
 * kelf.c - writing the patch object (kelf.h).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "kbuild/kelf.h"
#include "util/elfscn.h"
#include "util/strtab.h"
#include "util/xalloc.h"

size_t kelf_section(struct kelf *k, const char *name, uint64_t flags,
		    uint64_t align)
{
	struct kelf_sec *s;

	XGROW(k->secs, k->secs_cap, k->nsecs + 1);
	XGROW(k->syms, k->syms_cap, k->nsyms + 1);
	s = &k->secs[k->nsecs];
	*s = (struct kelf_sec){.name = xstrdup(name),
			       .flags = flags,
			       .align = align ? align : 1,
			       .sym = (uint32_t)k->nsyms};
	k->syms[k->nsyms++] = (struct kelf_sym){.name = xstrdup(""),
						.sec = (int)k->nsecs,
						.type = STT_SECTION,
						.bind = STB_LOCAL};
	return k->nsecs++;
}

uint64_t kelf_append(struct kelf *k, size_t sec, const void *data, size_t len,
		     uint64_t align)
{
	struct kelf_sec *s = &k->secs[sec];
	size_t off = s->size;

	if (align > 1 && off % align)
		off += align - off % align;
	XGROW(s->data, s->cap, off + len + 1);
	memset(s->data + s->size, 0, off - s->size);
	memcpy(s->data + off, data, len);
	s->size = off + len;
	if (align > s->align)
		s->align = align;
	return off;
}

uint32_t kelf_symbol(struct kelf *k, const char *name, int sec, uint64_t value,
		     uint64_t size, unsigned char type)
{
	for (size_t i = 0; i < k->nsyms; i++)
		if (k->syms[i].bind == STB_GLOBAL &&
		    !strcmp(k->syms[i].name, name))
			return (uint32_t)i;
	XGROW(k->syms, k->syms_cap, k->nsyms + 1);
	k->syms[k->nsyms] = (struct kelf_sym){.name = xstrdup(name),
					      .sec = sec,
					      .value = value,
					      .size = size,
					      .type = type,
					      .bind = STB_GLOBAL};
	return (uint32_t)k->nsyms++;
}

void kelf_reloc(struct kelf *k, size_t sec, uint64_t offset, uint32_t type,
		uint32_t sym, int64_t addend)
{
	struct kelf_sec *s = &k->secs[sec];

	XGROW(s->rels, s->rels_cap, s->nrels + 1);
	s->rels[s->nrels++] = (struct kelf_rel){offset, type, sym, addend};
}

/* What libelf must see alive until elf_update. */
struct kelf_out {
	Elf *e;
	struct strtab shstr, str;
	Elf64_Sym *syms;
	Elf64_Rela **relas;
};

static Elf_Scn *kelf_add(struct kelf_out *w, const char *name, GElf_Shdr *sh,
			 void *buf, size_t size)
{
	return elfscn_add(w->e, &w->shstr, name, sh, buf, size, ELF_T_BYTE);
}

/* Content sections are 1..n, .symtab n+1, then the relocations. */
static void kelf_contents(const struct kelf *k, struct kelf_out *w)
{
	for (size_t i = 0; i < k->nsecs; i++) {
		GElf_Shdr sh = {.sh_type = SHT_PROGBITS,
				.sh_flags = k->secs[i].flags,
				.sh_addralign = k->secs[i].align};

		kelf_add(w, k->secs[i].name, &sh, k->secs[i].data,
			 k->secs[i].size);
	}
}

static void kelf_symtab(const struct kelf *k, struct kelf_out *w)
{
	GElf_Shdr sh = {.sh_type = SHT_SYMTAB,
			.sh_entsize = sizeof(Elf64_Sym),
			.sh_addralign = 8,
			.sh_link = (uint32_t)k->nsecs + 2 + 1};
	size_t nlocal = 1;

	strtab_add(&w->str, "");
	w->syms = xcalloc(k->nsyms + 1, sizeof(*w->syms));
	for (size_t i = 0; i < k->nsyms; i++) {
		const struct kelf_sym *y = &k->syms[i];
		Elf64_Sym *s = &w->syms[i + 1];

		s->st_name = *y->name ? strtab_add(&w->str, y->name) : 0;
		s->st_info = (unsigned char)ELF64_ST_INFO(y->bind, y->type);
		s->st_shndx = y->sec < 0 ? SHN_UNDEF : (uint16_t)(y->sec + 1);
		s->st_value = y->value;
		s->st_size = y->size;
		nlocal += y->bind == STB_LOCAL;
	}
	sh.sh_info = (uint32_t)nlocal;
	/* .strtab is added after the relocation sections: its index is
	 * fixed up below once known */
	elf_getdata(kelf_add(w, ".symtab", &sh, w->syms,
			     (k->nsyms + 1) * sizeof(*w->syms)),
		    NULL)
	    ->d_type = ELF_T_SYM;
}

static void kelf_relas(const struct kelf *k, struct kelf_out *w)
{
	w->relas = xcalloc(k->nsecs + 1, sizeof(*w->relas));
	for (size_t i = 0; i < k->nsecs; i++) {
		const struct kelf_sec *s = &k->secs[i];
		GElf_Shdr sh = {.sh_type = SHT_RELA,
				.sh_flags = SHF_INFO_LINK,
				.sh_entsize = sizeof(Elf64_Rela),
				.sh_addralign = 8,
				.sh_link = (uint32_t)k->nsecs + 1,
				.sh_info = (uint32_t)i + 1};
		char *name;

		if (!s->nrels)
			continue;
		w->relas[i] = xcalloc(s->nrels, sizeof(Elf64_Rela));
		for (size_t r = 0; r < s->nrels; r++)
			w->relas[i][r] = (Elf64_Rela){
			    s->rels[r].offset,
			    ELF64_R_INFO(s->rels[r].sym + 1, s->rels[r].type),
			    s->rels[r].addend};
		name = xasprintf(".rela%s", s->name);
		elf_getdata(kelf_add(w, name, &sh, w->relas[i],
				     s->nrels * sizeof(Elf64_Rela)),
			    NULL)
		    ->d_type = ELF_T_RELA;
		free(name);
	}
}

static void kelf_strtabs(struct kelf_out *w, size_t symtab)
{
	GElf_Shdr sh = {.sh_type = SHT_STRTAB, .sh_addralign = 1};
	Elf_Scn *scn = kelf_add(w, ".strtab", &sh, w->str.buf, w->str.len);
	GElf_Shdr st;

	gelf_getshdr(elf_getscn(w->e, symtab), &st);
	st.sh_link = (uint32_t)elf_ndxscn(scn);
	gelf_update_shdr(elf_getscn(w->e, symtab), &st);
	elfscn_shstrtab(w->e, &w->shstr);
}

static int kelf_layout(const struct kelf *k, struct kelf_out *w, int fd)
{
	GElf_Ehdr eh;

	w->e = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!w->e || !gelf_newehdr(w->e, ELFCLASS64))
		return -1;
	gelf_getehdr(w->e, &eh);
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_REL;
	eh.e_machine = (Elf64_Half)arch_elf_machine;
	eh.e_version = EV_CURRENT;
	gelf_update_ehdr(w->e, &eh);
	strtab_add(&w->shstr, "");
	kelf_contents(k, w);
	kelf_symtab(k, w);
	kelf_relas(k, w);
	kelf_strtabs(w, k->nsecs + 1);
	return elf_update(w->e, ELF_C_WRITE) < 0 ? -1 : 0;
}

int kelf_write(const struct kelf *k, const char *path, struct error *err)
{
	struct kelf_out w = {0};
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int ret = 0;

	if (fd < 0)
		return error_set(err, -errno, "cannot write %s: %m", path);
	elf_version(EV_CURRENT);
	if (kelf_layout(k, &w, fd))
		ret = error_set(err, -EIO, "cannot write %s: libelf: %s", path,
				elf_errmsg(-1));
	if (w.e)
		elf_end(w.e);
	close(fd);
	for (size_t i = 0; w.relas && i < k->nsecs; i++)
		free(w.relas[i]);
	free(w.relas);
	free(w.syms);
	free(w.str.buf);
	free(w.shstr.buf);
	return ret;
}

void kelf_free(struct kelf *k)
{
	for (size_t i = 0; i < k->nsecs; i++) {
		free(k->secs[i].name);
		free(k->secs[i].data);
		free(k->secs[i].rels);
	}
	for (size_t i = 0; i < k->nsyms; i++)
		free(k->syms[i].name);
	free(k->secs);
	free(k->syms);
}
