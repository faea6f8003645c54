/*
 * target.c - reading the binary a patch is made for.
 *
 * The whole file is kept in memory: the reproducibility check reads the
 * bytes of every function, and the symbol table is the map from the names
 * in the objects to link-time addresses in the patch.
 */
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "build/target.h"
#include "util/file.h"
#include "util/xalloc.h"

/* A section with file bytes at a link-time address. */
struct target_seg {
	uint64_t addr, size, offset;
};

/* Private state while loading. */
struct target_load {
	struct target *t;
	unsigned char *image;
	size_t len;
	Elf *e;
	size_t shstrndx;
	bool rel; /* a relocatable object (a kernel module) */
};

/* Sections of a relocatable object have no addresses: each gets a made-up
 * one, its index times 4 GiB, so that its symbols and bytes are found as
 * an executable's are. */
static uint64_t target_rel_base(const struct target_load *l, size_t shndx)
{
	return l->rel && shndx && shndx < SHN_LORESERVE ? (uint64_t)shndx << 32
							: 0;
}

/* Release the symbol table and the STT_FILE names. */
static void target_free_symbols(struct target *t)
{
	for (size_t i = 0; i < t->nsyms; i++)
		free(t->syms[i].name);
	for (size_t i = 0; i < t->nfiles; i++)
		free(t->files[i]);
	free(t->syms);
	free(t->files);
}

void target_close(struct target *t)
{
	if (!t)
		return;
	target_free_symbols(t);
	free(t->segs);
	free(t->plts);
	for (size_t i = 0; i < t->nslots; i++)
		free(t->slots[i].name);
	free(t->slots);
	free(t->irel);
	for (size_t i = 0; i < t->nneeded; i++)
		free(t->needed[i]);
	free(t->needed);
	free(t->comment);
	free(t->debug_path);
	free(t->debuglink);
	free(t->path);
	free(t->image);
	free(t);
}

static void target_note(struct target *t, Elf_Data *d)
{
	GElf_Nhdr nh;
	size_t off = 0, name_off, desc_off;

	while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
		    memcmp((char *)d->d_buf + name_off, "GNU", 4) ||
		    nh.n_descsz > PATCH_BUILD_ID_MAX)
			continue;
		memcpy(t->build_id, (char *)d->d_buf + desc_off, nh.n_descsz);
		t->build_id_len = nh.n_descsz;
	}
}

static char *target_strip_version(const char *name)
{
	const char *at = strchr(name, '@');

	return at && at != name ? xasprintf("%.*s", (int)(at - name), name)
				: xstrdup(name);
}

static void target_symbols(struct target_load *l, Elf_Scn *scn,
			   const GElf_Shdr *sh)
{
	struct target *t = l->t;
	Elf_Data *d = elf_getdata(scn, NULL);
	/* Counted from the bytes there are, not from the header's claim. */
	size_t n = d && sh->sh_entsize ? d->d_size / sh->sh_entsize : 0;
	int file = -1;

	t->syms = xcalloc(n, sizeof(*t->syms));
	for (size_t i = 0; d && i < n; i++) {
		struct target_sym *y = &t->syms[t->nsyms];
		const char *name;
		GElf_Sym s;

		if (!gelf_getsym(d, (int)i, &s))
			continue;
		name = elf_strptr(l->e, sh->sh_link, s.st_name);
		if (!name)
			name = "";
		if (GELF_ST_TYPE(s.st_info) == STT_FILE) {
			t->files = xrealloc(t->files,
					    (t->nfiles + 1) * sizeof(char *));
			t->files[t->nfiles] = xstrdup(name);
			file = (int)t->nfiles++;
			continue;
		}
		y->name = target_strip_version(name);
		y->value = s.st_value + target_rel_base(l, s.st_shndx);
		y->size = s.st_size;
		y->type = GELF_ST_TYPE(s.st_info);
		y->bind = GELF_ST_BIND(s.st_info);
		y->other = GELF_ST_VISIBILITY(s.st_other);
		y->defined = s.st_shndx != SHN_UNDEF;
		y->file = y->bind == STB_LOCAL ? file : -1;
		t->nsyms++;
	}
}

/* The name of dynamic symbol @i of the table that section @link is. */
static const char *target_dynsym_name(Elf *e, size_t link, size_t i)
{
	Elf_Scn *scn = elf_getscn(e, link);
	GElf_Shdr sh;
	GElf_Sym sym;

	if (!scn || !gelf_getshdr(scn, &sh) ||
	    !gelf_getsym(elf_getdata(scn, NULL), (int)i, &sym))
		return NULL;
	return elf_strptr(e, sh.sh_link, sym.st_name);
}

/* A relocation naming a symbol for a GOT slot: which PLT entry calls
 * what, for listings (target_plt_name). */
static void target_slot(struct target_load *l, const GElf_Shdr *sh,
			const GElf_Rela *r)
{
	struct target *t = l->t;
	const char *name;

	if (!GELF_R_SYM(r->r_info) ||
	    !(name =
		  target_dynsym_name(l->e, sh->sh_link, GELF_R_SYM(r->r_info))))
		return;
	t->slots = xrealloc(t->slots, (t->nslots + 1) * sizeof(*t->slots));
	t->slots[t->nslots].addr = r->r_offset;
	t->slots[t->nslots++].name = xstrdup(name);
}

/* Remember the IRELATIVE relocations of a SHT_RELA section, and the GOT
 * slots the others are for. */
static void target_relocs(struct target_load *l, Elf_Scn *scn,
			  const GElf_Shdr *sh)
{
	struct target *t = l->t;
	Elf_Data *d = elf_getdata(scn, NULL);
	/* Counted from the bytes there are, not from the header's claim. */
	size_t n = d && sh->sh_entsize ? d->d_size / sh->sh_entsize : 0;

	for (size_t i = 0; d && i < n; i++) {
		GElf_Rela r;

		if (!gelf_getrela(d, (int)i, &r))
			continue;
		if (!arch_dynreloc_is_irelative(
			(uint32_t)GELF_R_TYPE(r.r_info))) {
			target_slot(l, sh, &r);
			continue;
		}
		t->irel =
		    xrealloc(t->irel, (t->nirel + 1) * 2 * sizeof(*t->irel));
		t->irel[2 * t->nirel] = r.r_offset;
		t->irel[2 * t->nirel++ + 1] = (uint64_t)r.r_addend;
	}
}

/* Remember the DT_NEEDED names of the SHT_DYNAMIC section. */
static void target_needed(struct target_load *l, Elf_Scn *scn,
			  const GElf_Shdr *sh)
{
	struct target *t = l->t;
	Elf_Data *d = elf_getdata(scn, NULL);
	/* Counted from the bytes there are, not from the header's claim. */
	size_t n = d && sh->sh_entsize ? d->d_size / sh->sh_entsize : 0;

	for (size_t i = 0; d && i < n; i++) {
		const char *name;
		GElf_Dyn dyn;

		if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag != DT_NEEDED)
			continue;
		name = elf_strptr(l->e, sh->sh_link, dyn.d_un.d_val);
		if (!name)
			continue;
		t->needed =
		    xrealloc(t->needed, (t->nneeded + 1) * sizeof(*t->needed));
		t->needed[t->nneeded++] = xstrdup(name);
	}
}

/* Whether the bytes of section @sh lie in the file (without the sum of
 * offset and size wrapping around). */
static bool target_in_file(const struct target_load *l, const GElf_Shdr *sh)
{
	return sh->sh_size <= l->len && sh->sh_offset <= l->len - sh->sh_size;
}

/* A copy of the NUL-terminated string at the start of section @sh. */
static char *target_section_text(const struct target_load *l,
				 const GElf_Shdr *sh)
{
	if (sh->sh_type == SHT_NOBITS || !target_in_file(l, sh))
		return NULL;
	return xstrndup((char *)l->image + sh->sh_offset, sh->sh_size);
}

static void target_plt(struct target_load *l, const GElf_Shdr *sh,
		       const char *name)
{
	struct target *t = l->t;

	if (!name || strncmp(name, ".plt", 4) || !target_in_file(l, sh))
		return;
	t->plts = xrealloc(t->plts, (t->nplts + 1) * sizeof(*t->plts));
	t->plts[t->nplts++] =
	    (struct target_seg){sh->sh_addr, sh->sh_size, sh->sh_offset};
}

static void target_section(struct target_load *l, Elf_Scn *scn,
			   const GElf_Shdr *sh)
{
	struct target *t = l->t;
	const char *name = elf_strptr(l->e, l->shstrndx, sh->sh_name);

	if (sh->sh_type == SHT_NOTE)
		target_note(t, elf_getdata(scn, NULL));
	if (sh->sh_type == SHT_RELA && !l->rel)
		target_relocs(l, scn, sh);
	if (sh->sh_type == SHT_PROGBITS && (sh->sh_flags & SHF_EXECINSTR))
		target_plt(l, sh, name);
	if (sh->sh_type == SHT_DYNAMIC)
		target_needed(l, scn, sh);
	if (sh->sh_type == SHT_SYMTAB && !t->has_symtab) {
		t->has_symtab = true;
		target_symbols(l, scn, sh);
	}
	if (name && !strcmp(name, ".comment") && !t->comment)
		t->comment = target_section_text(l, sh);
	if (name && !strcmp(name, ".gnu_debuglink") && !t->debuglink)
		t->debuglink = target_section_text(l, sh);
	if (sh->sh_type == SHT_PROGBITS && (sh->sh_flags & SHF_ALLOC) &&
	    target_in_file(l, sh)) {
		t->segs = xrealloc(t->segs, (t->nsegs + 1) * sizeof(*t->segs));
		t->segs[t->nsegs++] = (struct target_seg){
		    sh->sh_addr + target_rel_base(l, elf_ndxscn(scn)),
		    sh->sh_size, sh->sh_offset};
	}
}

/* Walk the sections; the caller checks what was found. */
static int target_parse(struct target_load *l, struct error *err)
{
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;

	if (!gelf_getehdr(l->e, &eh) ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN &&
	     eh.e_type != ET_REL) ||
	    eh.e_machine != arch_elf_machine)
		return error_set(err, -EINVAL,
				 "%s is not an executable or shared library "
				 "for this architecture",
				 l->t->path);
	l->rel = l->t->relocatable = eh.e_type == ET_REL;
	if (elf_getshdrstrndx(l->e, &l->shstrndx))
		return error_set(err, -EINVAL, "%s: bad section table: %s",
				 l->t->path, elf_errmsg(-1));
	while ((scn = elf_nextscn(l->e, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh))
			target_section(l, scn, &sh);
	}
	return 0;
}

/* Largest binary suture reads whole (drift's and build's BINARY): far
 * above any program, well below what would exhaust memory. */
#define TARGET_FILE_MAX ((size_t)4 << 30)

int target_open(const char *path, struct target **out, struct error *err)
{
	struct target_load l = {0};
	int ret;

	elf_version(EV_CURRENT);
	l.t = xcalloc(1, sizeof(*l.t));
	l.t->path = xstrdup(path);
	if ((ret = file_read_regular(path, TARGET_FILE_MAX, &l.image, &l.len,
				     err)))
		goto out_close;
	l.t->image = l.image;
	l.t->image_len = l.len;
	l.e = elf_memory((char *)l.image, l.len);
	if (!l.e || elf_kind(l.e) != ELF_K_ELF) {
		ret = error_set(err, -EINVAL, "%s is not an ELF file", path);
		goto out_end;
	}
	if ((ret = target_parse(&l, err)))
		goto out_end;
	elf_end(l.e);
	*out = l.t;
	return 0;
out_end:
	if (l.e)
		elf_end(l.e);
out_close:
	target_close(l.t);
	return ret;
}

/* Move what a debug file adds from @d to @t. */
static void target_take_symbols(struct target *t, struct target *d)
{
	target_free_symbols(t);
	t->syms = d->syms;
	t->nsyms = d->nsyms;
	t->files = d->files;
	t->nfiles = d->nfiles;
	t->has_symtab = true;
	d->syms = NULL;
	d->files = NULL;
	d->nsyms = d->nfiles = 0;
	if (!t->comment) {
		t->comment = d->comment;
		d->comment = NULL;
	}
}

int target_add_debug(struct target *t, const char *debug_path,
		     struct error *err)
{
	struct target *d;
	int ret;

	if ((ret = target_open(debug_path, &d, err)))
		return ret;
	if (d->build_id_len != t->build_id_len ||
	    memcmp(d->build_id, t->build_id, t->build_id_len))
		ret = error_set(err, -EINVAL,
				"debug file %s is not for %s: its build id "
				"differs",
				debug_path, t->path);
	else if (!d->has_symtab)
		ret = error_set(err, -EINVAL,
				"debug file %s has no symbol table (.symtab)",
				debug_path);
	if (!ret) {
		target_take_symbols(t, d);
		free(t->debug_path);
		t->debug_path = xstrdup(debug_path);
	}
	target_close(d);
	return ret;
}

const char *target_dwarf_path(const struct target *t)
{
	return t->debug_path ? t->debug_path : t->path;
}

static bool target_fits(const struct target_sym *y, const char *name)
{
	return y->defined && y->type != STT_SECTION && !strcmp(y->name, name);
}

/* A global, or a hidden symbol the linker turned local. */
static bool target_is_global(const struct target_sym *y)
{
	return y->bind != STB_LOCAL || y->other == STV_HIDDEN ||
	       y->other == STV_INTERNAL;
}

static bool target_has_file(const struct target *t, const char *file)
{
	for (size_t i = 0; i < t->nfiles; i++)
		if (!strcmp(t->files[i], file))
			return true;
	return false;
}

/* Whether @y is a candidate for (@name, @file); see target_lookup(). */
static bool target_match(const struct target *t, const struct target_sym *y,
			 const char *name, const char *file, int run,
			 bool any_local)
{
	if (!target_fits(y, name))
		return false;
	if (!file)
		return target_is_global(y);
	if (y->bind != STB_LOCAL)
		return false;
	if (run >= 0)
		return y->file == run;
	return any_local || (y->file >= 0 && !strcmp(t->files[y->file], file));
}

int target_file_run(const struct target *t, const char *file, size_t k,
		    size_t *count)
{
	int found = -1;

	*count = 0;
	for (size_t i = 0; i < t->nfiles; i++)
		if (!strcmp(t->files[i], file) && (*count)++ == k)
			found = (int)i;
	return found;
}

int target_lookup(const struct target *t, const char *name, const char *file,
		  int run, const struct target_sym **out, struct error *err)
{
	/* Objects without STT_FILE, or a file name the linker did not keep:
	 * fall back to any local of that name, if it is the only one. */
	bool any_local = file && !target_has_file(t, file);
	const struct target_sym *found = NULL, *global = NULL;
	size_t count = 0;

	for (size_t i = 0; i < t->nsyms; i++) {
		const struct target_sym *y = &t->syms[i];

		if (!target_match(t, y, name, file, run, any_local))
			continue;
		if (y->bind != STB_LOCAL)
			global = y;
		found = y;
		count++;
	}
	*out = global ? global : found;
	if (count > 1 && !global)
		return error_set(err, -EEXIST,
				 "%s has %zu static symbols named %s%s%s; "
				 "suture cannot tell which one is meant",
				 t->path, count, name,
				 file ? " after STT_FILE " : "",
				 file ? file : "");
	return 0;
}

const unsigned char *target_bytes(const struct target *t, uint64_t addr,
				  uint64_t size)
{
	for (size_t i = 0; i < t->nsegs; i++) {
		const struct target_seg *s = &t->segs[i];

		if (addr >= s->addr && addr - s->addr <= s->size &&
		    size <= s->size - (addr - s->addr))
			return t->image + s->offset + (addr - s->addr);
	}
	return NULL;
}

const char *target_slot_name(const struct target *t, uint64_t addr)
{
	for (size_t i = 0; i < t->nslots; i++)
		if (t->slots[i].addr == addr)
			return t->slots[i].name;
	return NULL;
}

const char *target_plt_name(const struct target *t, uint64_t addr)
{
	for (size_t i = 0; i < t->nslots; i++)
		for (size_t k = 0; k < t->nplts; k++)
			if (arch_plt_entry(t->image + t->plts[k].offset,
					   t->plts[k].size, t->plts[k].addr,
					   t->slots[i].addr) == addr)
				return t->slots[i].name;
	return NULL;
}

uint64_t target_ifunc_entry(const struct target *t, uint64_t resolver)
{
	for (size_t i = 0; i < t->nirel; i++) {
		if (t->irel[2 * i + 1] != resolver)
			continue;
		for (size_t k = 0; k < t->nplts; k++) {
			const struct target_seg *p = &t->plts[k];
			uint64_t e =
			    arch_plt_entry(t->image + p->offset, p->size,
					   p->addr, t->irel[2 * i]);

			if (e)
				return e;
		}
	}
	return 0;
}
