/*
 * objfile.c - loading ELF relocatable objects (and archive members) with
 * libelf into struct objfile, plus the lookups the comparison needs.
 *
 * Only what the build reads is copied: allocated sections' bytes, .comment,
 * and the relocations that apply to allocated sections.  Debug sections stay
 * out, which keeps memory small on real projects.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "build/objfile.h"
#include "util/xalloc.h"

bool obj_sec_exec(const struct obj_section *s)
{
	return (s->flags & SHF_ALLOC) && (s->flags & SHF_EXECINSTR);
}

bool obj_sec_rodata(const struct obj_section *s)
{
	return (s->flags & SHF_ALLOC) &&
	       !(s->flags & (SHF_EXECINSTR | SHF_WRITE));
}

bool obj_sec_data(const struct obj_section *s)
{
	return (s->flags & SHF_ALLOC) && (s->flags & SHF_WRITE) &&
	       !(s->flags & SHF_EXECINSTR);
}

bool obj_sym_defined(const struct objfile *o, const struct obj_symbol *y)
{
	return y->shndx != SHN_UNDEF && y->shndx < o->nsecs &&
	       (y->type == STT_FUNC || y->type == STT_OBJECT ||
		y->type == STT_TLS || y->type == STT_GNU_IFUNC);
}

void objfile_free(struct objfile *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->nsecs; i++) {
		free(o->secs[i].name);
		free(o->secs[i].data);
		free(o->secs[i].relocs);
		free(o->secs[i].cuts);
		free(o->secs[i].owners);
	}
	for (size_t i = 0; i < o->nsyms; i++)
		free(o->syms[i].name);
	free(o->secs);
	free(o->syms);
	free(o->key);
	free(o->file_sym);
	free(o->comment);
	free(o->source);
	free(o);
}

/* Whether the bytes of a section are worth keeping. */
static bool objfile_wants_data(const char *name, const GElf_Shdr *sh)
{
	if (sh->sh_type == SHT_NOBITS)
		return false;
	return (sh->sh_flags & SHF_ALLOC) || !strcmp(name, ".comment");
}

/* .comment holds NUL-separated strings; join them with "; ". */
static char *objfile_comment(const struct obj_section *s)
{
	char *out = xcalloc(1, s->size * 2 + 1);
	size_t n = 0;

	for (size_t i = 0; i < s->size; i++) {
		if (s->data[i])
			out[n++] = (char)s->data[i];
		else if (n && i + 1 < s->size && s->data[i + 1]) {
			memcpy(out + n, "; ", 2);
			n += 2;
		}
	}
	out[n] = '\0';
	return out;
}

static int objfile_sections(Elf *e, struct objfile *o, const char *what,
			    struct error *err)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrnum(e, &o->nsecs) || elf_getshdrstrndx(e, &shstrndx))
		return error_set(err, -EINVAL, "%s: bad ELF section table: %s",
				 what, elf_errmsg(-1));
	o->secs = xcalloc(o->nsecs, sizeof(*o->secs));
	while ((scn = elf_nextscn(e, scn))) {
		struct obj_section *s = &o->secs[elf_ndxscn(scn)];
		const char *name;
		Elf_Data *d;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			return error_set(err, -EINVAL, "%s: bad section header",
					 what);
		name = elf_strptr(e, shstrndx, sh.sh_name);
		s->name = xstrdup(name ? name : "");
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		s->size = sh.sh_size;
		s->align = sh.sh_addralign ? sh.sh_addralign : 1;
		s->entsize = sh.sh_entsize;
		if (!strncmp(s->name, ".gnu.lto_", 9))
			o->lto = true;
		if (!objfile_wants_data(s->name, &sh))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || d->d_size != s->size)
			return error_set(err, -EINVAL,
					 "%s: section %s: its %llu bytes are "
					 "not in the file (damaged object)",
					 what, s->name,
					 (unsigned long long)s->size);
		s->data = xcalloc(1, s->size + 1);
		if (d->d_buf)
			memcpy(s->data, d->d_buf, s->size);
		if (!strcmp(s->name, ".comment") && !o->comment)
			o->comment = objfile_comment(s);
	}
	return 0;
}

static int objfile_symbols(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh,
			   struct objfile *o)
{
	Elf_Data *d = elf_getdata(scn, NULL);

	if (o->syms)
		return -EINVAL; /* a second one */
	/* Counted from the bytes there are, not from the header's claim. */
	o->nsyms = d && sh->sh_entsize ? d->d_size / sh->sh_entsize : 0;
	o->syms = xcalloc(o->nsyms, sizeof(*o->syms));
	for (size_t i = 0; d && i < o->nsyms; i++) {
		struct obj_symbol *y = &o->syms[i];
		const char *name;
		GElf_Sym s;

		if (!gelf_getsym(d, (int)i, &s))
			continue;
		name = elf_strptr(e, sh->sh_link, s.st_name);
		y->name = xstrdup(name ? name : "");
		y->value = s.st_value;
		y->size = s.st_size;
		y->type = GELF_ST_TYPE(s.st_info);
		y->bind = GELF_ST_BIND(s.st_info);
		y->other = GELF_ST_VISIBILITY(s.st_other);
		y->shndx = s.st_shndx;
		if (y->type == STT_FILE && !o->file_sym)
			o->file_sym = xstrdup(y->name);
	}
	return 0;
}

static int reloc_cmp(const void *a, const void *b)
{
	const struct obj_reloc *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Read relocation section @scn, added to those its section has. */
static void objfile_relocs(Elf_Scn *scn, const GElf_Shdr *sh, struct objfile *o)
{
	struct obj_section *t;
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = d && sh->sh_entsize ? d->d_size / sh->sh_entsize : 0;

	if (sh->sh_info >= o->nsecs || !d)
		return;
	t = &o->secs[sh->sh_info];
	if (!(t->flags & SHF_ALLOC))
		return;
	/* a section may have several (a livepatch module's .klp.rela
	 * sections apply to the same code as its .rela ones) */
	t->relocs =
	    xrealloc(t->relocs, (t->nrelocs + n + 1) * sizeof(*t->relocs));
	for (size_t i = 0; i < n; i++) {
		GElf_Rela r;

		if (!gelf_getrela(d, (int)i, &r))
			continue;
		t->relocs[t->nrelocs++] = (struct obj_reloc){
		    .offset = r.r_offset,
		    .type = (uint32_t)GELF_R_TYPE(r.r_info),
		    .sym = (uint32_t)GELF_R_SYM(r.r_info),
		    .addend = r.r_addend,
		};
	}
	qsort(t->relocs, t->nrelocs, sizeof(*t->relocs), reloc_cmp);
}

/* Index each section's functions and variables, for obj_owner(). */
static void objfile_index_owners(struct objfile *o)
{
	for (size_t i = 0; i < o->nsyms; i++) {
		const struct obj_symbol *y = &o->syms[i];
		struct obj_section *s;

		if ((y->type != STT_FUNC && y->type != STT_OBJECT) ||
		    y->shndx == SHN_UNDEF || y->shndx >= o->nsecs)
			continue;
		s = &o->secs[y->shndx];
		s->owners =
		    xrealloc(s->owners, (s->nowners + 1) * sizeof(*s->owners));
		s->owners[s->nowners++] = (uint32_t)i;
	}
}

/* Load one relocatable ELF (a file or an archive member). */
static int objfile_from_elf(Elf *e, const char *key, struct objfile **out,
			    struct error *err)
{
	struct objfile *o = xcalloc(1, sizeof(*o));
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	int ret;

	o->key = xstrdup(key);
	o->file_run = -1;
	if (!gelf_getehdr(e, &eh) || eh.e_type != ET_REL ||
	    eh.e_machine != arch_elf_machine) {
		ret = error_set(err, -EINVAL,
				"%s is not a relocatable object for this "
				"architecture",
				key);
		goto out_free;
	}
	if ((ret = objfile_sections(e, o, key, err)))
		goto out_free;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_RELA)
			objfile_relocs(scn, &sh, o);
		if (sh.sh_type == SHT_SYMTAB &&
		    objfile_symbols(e, scn, &sh, o)) {
			ret = error_set(err, -EINVAL,
					"%s has two symbol tables "
					"(damaged object)",
					key);
			goto out_free;
		} else if (sh.sh_type == SHT_REL) {
			ret = error_set(err, -ENOTSUP,
					"%s uses REL relocations, which "
					"suture does not read",
					key);
			goto out_free;
		}
	}
	objfile_index_owners(o);
	*out = o;
	return 0;
out_free:
	objfile_free(o);
	return ret;
}

static void objfile_push(struct objfile ***objs, size_t *n, struct objfile *o)
{
	*objs = xrealloc(*objs, (*n + 1) * sizeof(**objs));
	(*objs)[(*n)++] = o;
}

/* Every object member of archive @ar; other members are skipped. */
static int objfile_archive(int fd, Elf *ar, const char *key,
			   struct objfile ***objs, size_t *n, struct error *err)
{
	Elf_Cmd cmd = ELF_C_READ;
	Elf *e;
	int ret = 0;

	while (!ret && (e = elf_begin(fd, cmd, ar))) {
		Elf_Arhdr *h = elf_getarhdr(e);

		if (h && h->ar_name[0] != '/' && elf_kind(e) == ELF_K_ELF) {
			char *mkey = xasprintf("%s(%s)", key, h->ar_name);
			struct objfile *o;

			ret = objfile_from_elf(e, mkey, &o, err);
			if (!ret)
				objfile_push(objs, n, o);
			free(mkey);
		}
		cmd = elf_next(e);
		elf_end(e);
	}
	return ret;
}

int objfile_load(const char *path, const char *key, struct objfile ***objs,
		 size_t *n, struct error *err)
{
	struct objfile *o;
	int fd, ret;
	Elf *e;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, -errno, "cannot open object %s: %s", path,
				 strerror(errno));
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (e && elf_kind(e) == ELF_K_AR) {
		ret = objfile_archive(fd, e, key, objs, n, err);
	} else if (e && elf_kind(e) == ELF_K_ELF) {
		ret = objfile_from_elf(e, key, &o, err);
		if (!ret)
			objfile_push(objs, n, o);
	} else {
		ret = error_set(err, -EINVAL,
				"%s is not an ELF object (LLVM bitcode from "
				"-flto?); suture needs machine code objects",
				path);
	}
	if (e)
		elf_end(e);
	close(fd);
	return ret;
}

int obj_owner(const struct objfile *o, uint32_t shndx, int64_t off)
{
	const struct obj_section *s;

	if (shndx >= o->nsecs)
		return -1;
	s = &o->secs[shndx];
	for (size_t k = 0; k < s->nowners; k++) {
		const struct obj_symbol *y = &o->syms[s->owners[k]];
		int i = (int)s->owners[k];

		if (off >= (int64_t)y->value &&
		    (off < (int64_t)(y->value + y->size) ||
		     (y->size == 0 && off == (int64_t)y->value)))
			return i;
	}
	return s->nowners == 1 ? (int)s->owners[0] : -1;
}

int obj_find(const struct objfile *o, const char *name)
{
	for (size_t i = 0; i < o->nsyms; i++)
		if (obj_sym_defined(o, &o->syms[i]) &&
		    !strcmp(o->syms[i].name, name))
			return (int)i;
	return -1;
}

size_t obj_relocs_in(const struct objfile *o, uint32_t shndx, uint64_t off,
		     uint64_t size, size_t *first)
{
	const struct obj_section *s = &o->secs[shndx];
	size_t i = 0, n = 0;

	while (i < s->nrelocs && s->relocs[i].offset < off)
		i++;
	*first = i;
	while (i + n < s->nrelocs && s->relocs[i + n].offset < off + size)
		n++;
	return n;
}

void obj_reloc_mask(const struct objfile *o, uint32_t shndx, uint64_t off,
		    uint64_t size, bool *mask)
{
	size_t first, n = obj_relocs_in(o, shndx, off, size, &first);
	const struct obj_reloc *r = o->secs[shndx].relocs + first;

	for (size_t i = 0; i < n; i++) {
		size_t before, after, w = arch_reloc_width(r[i].type);
		uint64_t at = r[i].offset - off;

		arch_reloc_linker_span(r[i].type, &before, &after);
		for (uint64_t k = at >= before ? at - before : 0;
		     k < at + w + after && k < size; k++)
			mask[k] = true;
	}
}
