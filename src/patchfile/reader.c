/*
 * reader.c - parsing a patch file.  The file is untrusted: its checksum is
 * verified before anything else, then every section, symbol and relocation
 * index is checked before use, and patch_validate() checks the result.
 */
#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "patchfile/checksum.h"
#include "patchfile/manifest.h"
#include "patchfile/patchfile.h"
#include "patchfile/validate.h"
#include "trust/sigblock.h"
#include "util/file.h"
#include "util/xalloc.h"

struct reader {
	Elf *elf;
	const char *what; /* the file, for messages */
	size_t nscn, shstrndx;
	size_t symtab_ndx, target_ndx, manifest_ndx, build_ndx;
	long *content; /* ELF section index -> patch section or -1 */
	size_t nsyms;
	struct patch *p;
};

static int fail(struct reader *r, struct error *err, const char *why)
{
	return error_set(err, -EINVAL, "%s is malformed: %s", r->what, why);
}

static const char *scn_name(struct reader *r, const GElf_Shdr *sh)
{
	const char *n = elf_strptr(r->elf, r->shstrndx, sh->sh_name);

	return n ? n : "";
}

/* Find the special sections and number the content (SHF_ALLOC) ones. */
static int scan_sections(struct reader *r, struct error *err)
{
	size_t ncontent = 0;

	r->content = xcalloc(r->nscn, sizeof(*r->content));
	for (size_t i = 0; i < r->nscn; i++) {
		Elf_Scn *scn = elf_getscn(r->elf, i);
		GElf_Shdr sh;
		const char *name;

		r->content[i] = -1;
		if (!scn || !gelf_getshdr(scn, &sh))
			return fail(r, err, "unreadable section header");
		name = scn_name(r, &sh);
		if (sh.sh_type == SHT_SYMTAB) {
			if (r->symtab_ndx)
				return fail(r, err, "two symbol tables");
			r->symtab_ndx = i;
		} else if (!strcmp(name, ".suture.target")) {
			r->target_ndx = i;
		} else if (!strcmp(name, ".suture.manifest")) {
			r->manifest_ndx = i;
		} else if (!strcmp(name, ".suture.build")) {
			r->build_ndx = i;
		} else if (sh.sh_flags & SHF_ALLOC) {
			r->content[i] = (long)ncontent++;
		}
	}
	if (!r->symtab_ndx || !r->manifest_ndx || !r->target_ndx)
		return fail(r, err,
			    "a symbol table, .suture.target or "
			    ".suture.manifest is missing");
	r->p->sections = xcalloc(ncontent, sizeof(*r->p->sections));
	r->p->nsections = ncontent;
	return 0;
}

static int read_content(struct reader *r, size_t i, struct error *err)
{
	struct patch_section *s = &r->p->sections[r->content[i]];
	Elf_Scn *scn = elf_getscn(r->elf, i);
	GElf_Shdr sh;
	Elf_Data *d;

	gelf_getshdr(scn, &sh);
	s->name = xstrdup(scn_name(r, &sh));
	s->flags = (sh.sh_flags & SHF_EXECINSTR ? PSEC_EXEC : 0) |
		   (sh.sh_flags & SHF_WRITE ? PSEC_WRITE : 0);
	s->align = sh.sh_addralign ? sh.sh_addralign : 1;
	s->size = sh.sh_size;
	s->nobits = sh.sh_type == SHT_NOBITS;
	if (s->size > PATCHFILE_SECTION_MAX)
		return fail(r, err, "a section is too large");
	if (s->nobits || !s->size)
		return 0;
	d = elf_getdata(scn, NULL);
	if (!d || d->d_size != s->size || !d->d_buf)
		return fail(r, err,
			    "a section's contents lie outside the file");
	s->data = xmalloc(s->size);
	memcpy(s->data, d->d_buf, s->size);
	return 0;
}

static int read_symbol(struct reader *r, const GElf_Sym *es, size_t strndx,
		       struct patch_symbol *y, struct error *err)
{
	const char *name = elf_strptr(r->elf, strndx, es->st_name);

	if (!name)
		return fail(r, err, "a symbol name lies outside .strtab");
	y->name = xstrdup(name);
	y->value = es->st_value;
	y->size = es->st_size;
	y->func = GELF_ST_TYPE(es->st_info) == STT_FUNC;
	if (es->st_shndx == SHN_UNDEF) {
		y->kind = PSYM_EXTERN;
		y->weak = GELF_ST_BIND(es->st_info) == STB_WEAK;
	} else if (es->st_shndx == r->target_ndx) {
		y->kind = PSYM_TARGET;
	} else if (es->st_shndx < r->nscn && r->content[es->st_shndx] >= 0) {
		y->kind = PSYM_LOCAL;
		y->section = (uint32_t)r->content[es->st_shndx];
	} else {
		return fail(r, err, "a symbol is defined in no known section");
	}
	return 0;
}

static int read_symbols(struct reader *r, struct error *err)
{
	Elf_Scn *scn = elf_getscn(r->elf, r->symtab_ndx);
	Elf_Data *d = elf_getdata(scn, NULL);
	GElf_Shdr sh;
	int ret;

	gelf_getshdr(scn, &sh);
	if (!d || sh.sh_link >= r->nscn || sh.sh_entsize != sizeof(Elf64_Sym))
		return fail(r, err, "bad symbol table");
	r->nsyms = d->d_size / sizeof(Elf64_Sym);
	if (r->nsyms < 1)
		return fail(r, err, "empty symbol table");
	r->p->symbols = xcalloc(r->nsyms, sizeof(*r->p->symbols));
	for (size_t k = 1; k < r->nsyms; k++) {
		GElf_Sym es;
		if (!gelf_getsym(d, (int)k, &es))
			return fail(r, err, "unreadable symbol");
		ret =
		    read_symbol(r, &es, sh.sh_link, &r->p->symbols[k - 1], err);
		r->p->nsymbols = k;
		if (ret)
			return ret;
	}
	return 0;
}

static int read_relocs(struct reader *r, size_t i, struct error *err)
{
	Elf_Scn *scn = elf_getscn(r->elf, i);
	struct patch_section *s;
	GElf_Shdr sh;
	Elf_Data *d;
	size_t n;

	gelf_getshdr(scn, &sh);
	if (sh.sh_type == SHT_REL)
		return fail(r, err, "SHT_REL sections are not used by suture");
	if (sh.sh_type != SHT_RELA)
		return 0;
	if (sh.sh_info >= r->nscn || r->content[sh.sh_info] < 0 ||
	    sh.sh_link != r->symtab_ndx || sh.sh_entsize != sizeof(Elf64_Rela))
		return fail(r, err,
			    "a relocation section is not linked to "
			    "a content section and the symbol table");
	s = &r->p->sections[r->content[sh.sh_info]];
	d = elf_getdata(scn, NULL);
	if (s->relocs || !d)
		return fail(r, err, "duplicate or unreadable relocations");
	n = d->d_size / sizeof(Elf64_Rela);
	s->relocs = xcalloc(n, sizeof(*s->relocs));
	for (size_t k = 0; k < n; k++) {
		GElf_Rela er;
		size_t sym;
		if (!gelf_getrela(d, (int)k, &er))
			return fail(r, err, "unreadable relocation");
		sym = GELF_R_SYM(er.r_info);
		if (sym == 0 || sym >= r->nsyms)
			return fail(r, err, "a relocation has a bad symbol");
		s->relocs[k] = (struct patch_reloc){
		    .offset = er.r_offset,
		    .type = GELF_R_TYPE(er.r_info),
		    .symbol = (uint32_t)(sym - 1),
		    .addend = er.r_addend,
		};
		s->nrelocs = k + 1;
	}
	return 0;
}

static int read_manifest(struct reader *r, struct error *err)
{
	Elf_Data *d = elf_getdata(elf_getscn(r->elf, r->manifest_ndx), NULL);

	if (!d || !d->d_buf)
		return fail(r, err, "unreadable manifest");
	return manifest_decode(d->d_buf, d->d_size, r->p, err);
}

/* The build record's bytes, kept for patch_info_load(): apply, which
 * reads most patch files, never parses them (a real patch's record is
 * most of its JSON: diffs, compile commands, packages). */
static int read_record(struct reader *r, struct error *err)
{
	Elf_Data *d;

	if (!r->build_ndx)
		return 0;
	if (r->p->info)
		return fail(r, err,
			    "a build record both in the manifest and in "
			    ".suture.build");
	d = elf_getdata(elf_getscn(r->elf, r->build_ndx), NULL);
	if (!d || (d->d_size && !d->d_buf))
		return fail(r, err, "unreadable .suture.build");
	r->p->info_text = xmalloc(d->d_size + 1);
	memcpy(r->p->info_text, d->d_buf, d->d_size);
	r->p->info_len = d->d_size;
	return 0;
}

static int check_header(struct reader *r, struct error *err)
{
	GElf_Ehdr eh;

	if (elf_kind(r->elf) != ELF_K_ELF ||
	    gelf_getclass(r->elf) != ELFCLASS64 || !gelf_getehdr(r->elf, &eh))
		return fail(r, err, "not a 64-bit ELF object");
	if (eh.e_type != ET_REL || eh.e_machine != arch_elf_machine)
		return fail(r, err,
			    "not a relocatable object for this "
			    "architecture");
	if (elf_getshdrnum(r->elf, &r->nscn) ||
	    elf_getshdrstrndx(r->elf, &r->shstrndx))
		return fail(r, err, "bad section header table");
	return 0;
}

static int parse_elf(struct reader *r, struct error *err)
{
	int ret;

	if ((ret = check_header(r, err)) || (ret = scan_sections(r, err)))
		return ret;
	for (size_t i = 0; i < r->nscn; i++)
		if (r->content[i] >= 0 && (ret = read_content(r, i, err)))
			return ret;
	if ((ret = read_symbols(r, err)))
		return ret;
	for (size_t i = 0; i < r->nscn; i++)
		if ((ret = read_relocs(r, i, err)))
			return ret;
	if ((ret = read_manifest(r, err)) || (ret = read_record(r, err)))
		return ret;
	return patch_validate(r->p, err);
}

static int parse_named(const unsigned char *buf, size_t len, const char *what,
		       struct patch **out, struct error *err)
{
	struct reader r = {.what = what};
	struct patch_signer *signer;
	unsigned char *copy;
	size_t body;
	int ret;

	/* A signed file: the signature first, then the bytes it covers. */
	if ((ret = sigblock_split(buf, &len, &signer, what, err)) ||
	    (ret = checksum_verify(buf, len, &body, what, err)))
		return free(signer), ret;
	elf_version(EV_CURRENT);
	copy = xmalloc(body);
	memcpy(copy, buf, body);
	r.p = xcalloc(1, sizeof(*r.p));
	r.p->signer = signer;
	r.elf = elf_memory((char *)copy, body);
	ret = r.elf ? parse_elf(&r, err) : fail(&r, err, elf_errmsg(-1));
	if (r.elf)
		elf_end(r.elf);
	free(copy);
	free(r.content);
	if (ret) {
		patch_free(r.p);
		return ret;
	}
	checksum_id(buf, len, r.p->id);
	*out = r.p;
	return 0;
}

int patchfile_parse(const unsigned char *buf, size_t len, struct patch **out,
		    struct error *err)
{
	return parse_named(buf, len, "the patch", out, err);
}

int patchfile_read(const char *path, struct patch **out, struct error *err)
{
	unsigned char *buf;
	size_t len;
	int ret;

	if ((ret = file_read_regular(path, PATCHFILE_MAX, &buf, &len, err)))
		return ret;
	ret = parse_named(buf, len, path, out, err);
	free(buf);
	return ret;
}
