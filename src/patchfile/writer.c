/*
 * writer.c - serialising a struct patch as an ELF relocatable object plus
 * checksum trailer (docs/FORMAT.md).
 *
 * libelf lays the object out into an in-memory file (memfd); the bytes are
 * then checksummed and written to the destination in one atomic rename, so
 * a crash never leaves a half-written patch under the final name.
 */
#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/arch.h"
#include "patchfile/checksum.h"
#include "patchfile/manifest.h"
#include "patchfile/patchfile.h"
#include "patchfile/validate.h"
#include "util/file.h"
#include "util/elfscn.h"
#include "util/strtab.h"
#include "util/xalloc.h"

/* Everything libelf must see alive until elf_update(). */
struct writer {
	Elf *elf;
	const struct patch *p;
	struct strtab shstr, str;
	uint32_t *elf_index; /* patch symbol -> .symtab index */
	size_t symtab_ndx, target_ndx;
	Elf64_Sym *syms;
	Elf64_Rela **relas;
	char *manifest, *record;
};

static Elf_Scn *add_section(struct writer *w, const char *name, GElf_Shdr *sh,
			    void *buf, size_t size, Elf_Type type)
{
	return elfscn_add(w->elf, &w->shstr, name, sh, buf, size, type);
}

static void add_content(struct writer *w, const struct patch_section *s)
{
	GElf_Shdr sh = {0};

	sh.sh_type = s->nobits ? SHT_NOBITS : SHT_PROGBITS;
	sh.sh_flags = SHF_ALLOC;
	if (s->flags & PSEC_EXEC)
		sh.sh_flags |= SHF_EXECINSTR;
	if (s->flags & PSEC_WRITE)
		sh.sh_flags |= SHF_WRITE;
	sh.sh_addralign = s->align;
	add_section(w, s->name, &sh, s->data, s->size, ELF_T_BYTE);
}

/*
 * Symbol order: the null symbol, then every local (patch-defined and target
 * symbols), then the externs, as ELF wants locals first.
 */
static size_t order_symbols(struct writer *w)
{
	const struct patch *p = w->p;
	size_t next = 1;

	w->elf_index = xcalloc(p->nsymbols, sizeof(*w->elf_index));
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < p->nsymbols; i++)
			if ((p->symbols[i].kind == PSYM_EXTERN) == pass)
				w->elf_index[i] = (uint32_t)next++;
	return next;
}

static void fill_symbol(struct writer *w, const struct patch_symbol *y,
			Elf64_Sym *s)
{
	int type = y->func ? STT_FUNC : (y->size ? STT_OBJECT : STT_NOTYPE);

	s->st_name = strtab_add(&w->str, y->name);
	s->st_value = y->value;
	s->st_size = y->size;
	switch (y->kind) {
	case PSYM_LOCAL:
		s->st_info = ELF64_ST_INFO(STB_LOCAL, type);
		s->st_shndx = (Elf64_Section)(y->section + 1);
		break;
	case PSYM_TARGET:
		s->st_info = ELF64_ST_INFO(STB_LOCAL, type);
		s->st_shndx = (Elf64_Section)w->target_ndx;
		break;
	case PSYM_EXTERN:
		s->st_info =
		    ELF64_ST_INFO(y->weak ? STB_WEAK : STB_GLOBAL, STT_NOTYPE);
		s->st_shndx = SHN_UNDEF;
		break;
	}
}

static void add_relocs(struct writer *w, size_t i)
{
	const struct patch_section *s = &w->p->sections[i];
	GElf_Shdr sh = {0};
	Elf64_Rela *r;
	char *name;

	if (!s->nrelocs)
		return;
	r = w->relas[i] = xcalloc(s->nrelocs, sizeof(*r));
	for (size_t k = 0; k < s->nrelocs; k++) {
		r[k].r_offset = s->relocs[k].offset;
		r[k].r_info = ELF64_R_INFO(w->elf_index[s->relocs[k].symbol],
					   s->relocs[k].type);
		r[k].r_addend = s->relocs[k].addend;
	}
	sh.sh_type = SHT_RELA;
	sh.sh_flags = SHF_INFO_LINK;
	sh.sh_addralign = 8;
	sh.sh_entsize = sizeof(Elf64_Rela);
	sh.sh_link = (Elf64_Word)w->symtab_ndx;
	sh.sh_info = (Elf64_Word)(i + 1);
	name = xasprintf(".rela%s", s->name);
	add_section(w, name, &sh, r, s->nrelocs * sizeof(*r), ELF_T_RELA);
	free(name);
}

/* Number of sections before .symtab, to know its index in advance. */
static size_t count_sections(const struct patch *p)
{
	/* null, content, target, manifest, build record */
	size_t n = 1 + p->nsections + 2 + (p->info != NULL);

	for (size_t i = 0; i < p->nsections; i++)
		n += p->sections[i].nrelocs > 0;
	return n;
}

static void add_tables(struct writer *w)
{
	const struct patch *p = w->p;
	size_t nsyms = order_symbols(w);
	GElf_Shdr sh = {0};

	w->syms = xcalloc(nsyms, sizeof(*w->syms));
	strtab_add(&w->str, "");
	for (size_t i = 0; i < p->nsymbols; i++)
		fill_symbol(w, &p->symbols[i], &w->syms[w->elf_index[i]]);
	for (size_t i = 0; i < p->nsections; i++)
		add_relocs(w, i);

	sh.sh_type = SHT_NOBITS;
	sh.sh_addralign = 1;
	add_section(w, ".suture.target", &sh, NULL, 0, ELF_T_BYTE);

	w->manifest = manifest_encode(p, w->elf_index);
	memset(&sh, 0, sizeof(sh));
	sh.sh_type = SHT_PROGBITS;
	sh.sh_addralign = 1;
	add_section(w, ".suture.manifest", &sh, w->manifest,
		    strlen(w->manifest), ELF_T_BYTE);
	/* apart from the manifest: apply reads the one, never the other */
	if (p->info) {
		w->record =
		    json_dumps(p->info, JSON_INDENT(1) | JSON_SORT_KEYS);
		if (!w->record)
			abort(); /* only on allocation failure */
		add_section(w, ".suture.build", &sh, w->record,
			    strlen(w->record), ELF_T_BYTE);
	}

	memset(&sh, 0, sizeof(sh));
	sh.sh_type = SHT_SYMTAB;
	sh.sh_addralign = 8;
	sh.sh_entsize = sizeof(Elf64_Sym);
	sh.sh_link = (Elf64_Word)(w->symtab_ndx + 1);
	for (sh.sh_info = 1;
	     sh.sh_info < nsyms &&
	     ELF64_ST_BIND(w->syms[sh.sh_info].st_info) == STB_LOCAL;
	     sh.sh_info++)
		;
	add_section(w, ".symtab", &sh, w->syms, nsyms * sizeof(*w->syms),
		    ELF_T_SYM);
}

static void add_shstrtab(struct writer *w)
{
	elfscn_shstrtab(w->elf, &w->shstr);
}

static void add_strtabs(struct writer *w)
{
	GElf_Shdr sh = {0};

	sh.sh_type = SHT_STRTAB;
	sh.sh_addralign = 1;
	add_section(w, ".strtab", &sh, w->str.buf, w->str.len, ELF_T_BYTE);
	add_shstrtab(w);
}

static int layout(struct writer *w, int fd, struct error *err)
{
	GElf_Ehdr eh;

	w->elf = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!w->elf || !gelf_newehdr(w->elf, ELFCLASS64))
		return error_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
	gelf_getehdr(w->elf, &eh);
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_REL;
	eh.e_machine = (Elf64_Half)arch_elf_machine;
	eh.e_version = EV_CURRENT;
	gelf_update_ehdr(w->elf, &eh);

	strtab_add(&w->shstr, "");
	w->symtab_ndx = count_sections(w->p);
	/* .suture.target, .suture.manifest [, .suture.build], .symtab */
	w->target_ndx = w->symtab_ndx - 2 - (w->p->info != NULL);
	w->relas = xcalloc(w->p->nsections + 1, sizeof(*w->relas));
	for (size_t i = 0; i < w->p->nsections; i++)
		add_content(w, &w->p->sections[i]);
	add_tables(w);
	add_strtabs(w);
	if (elf_update(w->elf, ELF_C_WRITE) < 0)
		return error_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
	return 0;
}

static void writer_release(struct writer *w)
{
	if (w->elf)
		elf_end(w->elf);
	for (size_t i = 0; w->relas && i < w->p->nsections; i++)
		free(w->relas[i]);
	free(w->relas);
	free(w->syms);
	free(w->elf_index);
	free(w->manifest);
	free(w->record);
	free(w->shstr.buf);
	free(w->str.buf);
}

/* Read back what libelf wrote into @fd and append the checksum trailer. */
static int finish(int fd, const char *path, struct error *err)
{
	off_t len = lseek(fd, 0, SEEK_END);
	unsigned char *buf;
	int ret;

	if (len < 0)
		return error_set(err, -errno, "cannot size the patch image");
	buf = xmalloc((size_t)len + CHECKSUM_TRAILER_LEN);
	if (pread(fd, buf, (size_t)len, 0) != len) {
		free(buf);
		return error_set(err, -EIO, "cannot read back the patch image");
	}
	checksum_trailer(buf, (size_t)len, buf + len);
	ret = file_write_atomic(path, buf, (size_t)len + CHECKSUM_TRAILER_LEN,
				err);
	free(buf);
	return ret;
}

int patchfile_write(const struct patch *p, const char *path, struct error *err)
{
	struct writer w = {.p = p};
	int fd, ret;

	if ((ret = patch_validate(p, err)))
		return ret;
	elf_version(EV_CURRENT);
	fd = memfd_create("suture-patch", MFD_CLOEXEC);
	if (fd < 0)
		return error_set(err, -errno, "memfd_create failed");
	ret = layout(&w, fd, err);
	writer_release(&w);
	if (!ret)
		ret = finish(fd, path, err);
	close(fd);
	return ret;
}
