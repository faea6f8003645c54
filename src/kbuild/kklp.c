/*
 * kklp.c - the livepatch relocations, written into the linked module.
 *
 * Documentation/livepatch/module-elf-format.rst: a field the module loader
 * must not resolve is described by a relocation in a section named
 * .klp.rela.OBJNAME.SECTION (SHT_RELA, flagged SHF_RELA_LIVEPATCH, and
 * SHF_ALLOC so that it stays in memory until livepatch applies it when
 * OBJNAME is loaded), against a symbol named .klp.sym.OBJNAME.NAME,POS
 * whose section index is SHN_LIVEPATCH.  No linker keeps such sections
 * and symbols, so they are added to the .ko after kbuild linked it: new
 * global symbols at the end of .symtab (indices of existing symbols do not
 * change), one relocation section per patch section that needs one.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbuild/kbuild.h"
#include "util/xalloc.h"

#ifndef SHF_RELA_LIVEPATCH
#define SHF_RELA_LIVEPATCH 0x00100000
#endif
#ifndef SHN_LIVEPATCH
#define SHN_LIVEPATCH 0xff20
#endif

struct kklp {
	Elf *e;
	size_t shstrndx, symtab, strtab;
	Elf_Data *sym, *str, *shstr;
	void *bufs[3];	   /* the grown tables, alive until elf_update */
	Elf64_Rela **rels; /* the new sections' entries, likewise */
	size_t nrels;
};

static size_t kklp_find(struct kklp *k, const char *name)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(k->e, scn)))
		if (gelf_getshdr(scn, &sh) &&
		    !strcmp(elf_strptr(k->e, k->shstrndx, sh.sh_name), name))
			return elf_ndxscn(scn);
	return 0;
}

/* Append @len bytes to @d (buffer @slot of k->bufs); their offset. */
static size_t kklp_grow(struct kklp *k, Elf_Data *d, int slot, const void *add,
			size_t len)
{
	size_t off = d->d_size;
	char *buf = xmalloc(off + len);

	memcpy(buf, d->d_buf, off);
	memcpy(buf + off, add, len);
	free(k->bufs[slot]);
	k->bufs[slot] = buf;
	d->d_buf = buf;
	d->d_size = off + len;
	elf_flagdata(d, ELF_C_SET, ELF_F_DIRTY);
	return off;
}

static size_t kklp_string(struct kklp *k, Elf_Data *d, int slot, const char *s)
{
	return kklp_grow(k, d, slot, s, strlen(s) + 1);
}

/* The .klp.sym symbol for @r: its index (reused for the same name). */
static uint32_t kklp_symbol(struct kklp *k, const struct klp_reloc *r)
{
	char *name =
	    xasprintf(".klp.sym.%s.%s,%lu", r->objname, r->symbol, r->sympos);
	size_t n = k->sym->d_size / sizeof(Elf64_Sym);
	Elf64_Sym s = {0};

	for (size_t i = 1; i < n; i++) {
		Elf64_Sym *y = (Elf64_Sym *)k->sym->d_buf + i;

		if (y->st_shndx == SHN_LIVEPATCH &&
		    !strcmp((char *)k->str->d_buf + y->st_name, name)) {
			free(name);
			return (uint32_t)i;
		}
	}
	s.st_name = (uint32_t)kklp_string(k, k->str, 1, name);
	s.st_info = ELF64_ST_INFO(STB_GLOBAL, STT_NOTYPE);
	s.st_shndx = SHN_LIVEPATCH;
	kklp_grow(k, k->sym, 0, &s, sizeof(s));
	free(name);
	return (uint32_t)n;
}

/* The relocation section for patch section @sec (index @target). */
static void kklp_section(struct kbuild_ctx *ctx, struct kklp *k,
			 const char *sec, size_t target)
{
	Elf64_Rela *rel = xcalloc(ctx->nklp, sizeof(*rel));
	char *name = xasprintf(".klp.rela.%s.%s", ctx->objname, sec);
	GElf_Shdr sh = {.sh_type = SHT_RELA,
			.sh_flags =
			    SHF_ALLOC | SHF_INFO_LINK | SHF_RELA_LIVEPATCH,
			.sh_addralign = 8,
			.sh_entsize = sizeof(Elf64_Rela),
			.sh_link = (uint32_t)k->symtab,
			.sh_info = (uint32_t)target};
	Elf_Scn *scn = elf_newscn(k->e);
	Elf_Data *d = elf_newdata(scn);
	size_t n = 0;

	k->rels = xrealloc(k->rels, (k->nrels + 1) * sizeof(*k->rels));
	k->rels[k->nrels++] = rel;
	for (size_t i = 0; i < ctx->nklp; i++)
		if (!strcmp(ctx->klp[i].section, sec))
			rel[n++] = (Elf64_Rela){
			    ctx->klp[i].offset,
			    ELF64_R_INFO(kklp_symbol(k, &ctx->klp[i]),
					 ctx->klp[i].type),
			    ctx->klp[i].addend};
	d->d_buf = rel;
	d->d_size = n * sizeof(*rel);
	d->d_type = ELF_T_RELA;
	d->d_align = 8;
	sh.sh_name = (uint32_t)kklp_string(k, k->shstr, 2, name);
	sh.sh_size = d->d_size;
	gelf_update_shdr(scn, &sh);
	free(name);
}

/* Each patch section with livepatch relocations, once. */
static int kklp_sections(struct kbuild_ctx *ctx, struct kklp *k,
			 struct error *err)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < ctx->nklp; i++) {
		const char *sec = ctx->klp[i].section;
		bool seen = false;
		size_t target;

		for (size_t j = 0; j < i; j++)
			seen |= !strcmp(ctx->klp[j].section, sec);
		if (seen)
			continue;
		if (!(target = kklp_find(k, sec)))
			return error_set(err, -EINVAL,
					 "the linked module has no section %s "
					 "for its livepatch relocations",
					 sec);
		kklp_section(ctx, k, sec, target);
	}
	return 0;
}

static int kklp_open(struct kklp *k, struct error *err)
{
	GElf_Shdr sh;

	if (elf_getshdrstrndx(k->e, &k->shstrndx) ||
	    !(k->symtab = kklp_find(k, ".symtab")) ||
	    !(k->strtab = kklp_find(k, ".strtab")))
		return error_set(err, -EINVAL,
				 "the linked module has no "
				 "symbol table");
	k->sym = elf_getdata(elf_getscn(k->e, k->symtab), NULL);
	k->str = elf_getdata(elf_getscn(k->e, k->strtab), NULL);
	k->shstr = elf_getdata(elf_getscn(k->e, k->shstrndx), NULL);
	gelf_getshdr(elf_getscn(k->e, k->symtab), &sh);
	return k->sym && k->str && k->shstr && sh.sh_link == k->strtab
		   ? 0
		   : error_set(err, -EINVAL,
			       "the linked module's symbol "
			       "table is not as kbuild makes it");
}

int kklp_write(struct kbuild_ctx *ctx, const char *ko, struct error *err)
{
	struct kklp k = {0};
	int fd, ret;

	if (!ctx->nklp)
		return 0;
	elf_version(EV_CURRENT);
	if ((fd = open(ko, O_RDWR | O_CLOEXEC)) < 0)
		return error_set(err, -errno, "cannot open %s: %m", ko);
	k.e = elf_begin(fd, ELF_C_RDWR, NULL);
	ret = k.e ? kklp_open(&k, err)
		  : error_set(err, -EIO, "%s: libelf: %s", ko, elf_errmsg(-1));
	if (!ret)
		ret = kklp_sections(ctx, &k, err);
	if (!ret && elf_update(k.e, ELF_C_WRITE) < 0)
		ret = error_set(err, -EIO, "cannot rewrite %s: libelf: %s", ko,
				elf_errmsg(-1));
	if (k.e)
		elf_end(k.e);
	close(fd);
	for (int i = 0; i < 3; i++)
		free(k.bufs[i]);
	for (size_t i = 0; i < k.nrels; i++)
		free(k.rels[i]);
	free(k.rels);
	return ret;
}
