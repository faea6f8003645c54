/*
 * symfile.c - a symbol file for the code of an applied patch (symfile.h).
 *
 * Sections, at their run-time addresses, with the bytes read from the
 * process: ".text" (the code part up to the call-frame information, so the
 * patch's code and constants), ".eh_frame", and ".text.suture" (GOT slots,
 * far-call stubs and gates, after it).  Then ".symtab", one FUNC symbol per
 * replaced function's new code, named like the function.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/status.h"
#include "apply/symfile.h"
#include "util/strtab.h"
#include "util/xalloc.h"

/* Section indices in the file, in the order they are added. */
enum { SEC_TEXT = 1, SEC_EH_FRAME, SEC_STUBS, SEC_SYMTAB, SEC_STRTAB };

struct symfile {
	Elf *elf;
	struct strtab shstr, str;
	unsigned char *text; /* the code part, as read */
	Elf64_Sym *syms;
};

/* Add a section called @name (an offset in f->shstr). */
static void add_section(struct symfile *f, uint32_t name, uint32_t type,
			uint64_t flags, uint64_t addr, void *buf, size_t size)
{
	Elf_Scn *scn = elf_newscn(f->elf);
	Elf_Data *d = elf_newdata(scn);
	GElf_Shdr sh = {0};

	d->d_buf = buf;
	d->d_size = size;
	d->d_type = ELF_T_BYTE;
	d->d_align = 8;
	d->d_version = EV_CURRENT;
	sh.sh_name = name;
	sh.sh_type = type;
	sh.sh_flags = flags;
	sh.sh_addr = addr;
	sh.sh_size = size;
	sh.sh_addralign = 8;
	if (type == SHT_SYMTAB) {
		sh.sh_link = SEC_STRTAB;
		sh.sh_info = 1; /* first non-local symbol */
		sh.sh_entsize = sizeof(Elf64_Sym);
	}
	gelf_update_shdr(scn, &sh);
}

/* The three sections of the code part; an empty one keeps its place so
 * that the indices stay fixed. */
static void add_code(struct symfile *f, const struct record *r)
{
	const struct record_part *t = &r->parts[RECORD_PART_TEXT];
	uint64_t at = r->base + t->offset;
	uint64_t cfi = r->unwind.size ? r->unwind.offset - t->offset : t->size;
	uint64_t rest = cfi + r->unwind.size;
	uint64_t ax = SHF_ALLOC | SHF_EXECINSTR;

	add_section(f, strtab_add(&f->shstr, ".text"), SHT_PROGBITS, ax, at,
		    f->text, cfi);
	add_section(f, strtab_add(&f->shstr, ".eh_frame"), SHT_PROGBITS,
		    SHF_ALLOC, at + cfi, f->text + cfi, r->unwind.size);
	add_section(f, strtab_add(&f->shstr, ".text.suture"), SHT_PROGBITS, ax,
		    at + rest, f->text + rest, t->size - rest);
}

/* One FUNC symbol per replaced function: its new code is in .text. */
static void add_symbols(struct symfile *f, const struct record *r)
{
	f->syms = xcalloc(r->nfuncs + 1, sizeof(*f->syms));
	strtab_add(&f->str, "");
	for (size_t i = 0; i < r->nfuncs; i++) {
		Elf64_Sym *s = &f->syms[i + 1];

		s->st_name = strtab_add(&f->str, r->funcs[i].name);
		s->st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
		s->st_shndx = SEC_TEXT;
		s->st_value = r->funcs[i].new_addr;
		s->st_size = r->funcs[i].new_size;
	}
	add_section(f, strtab_add(&f->shstr, ".symtab"), SHT_SYMTAB, 0, 0,
		    f->syms, (r->nfuncs + 1) * sizeof(*f->syms));
	add_section(f, strtab_add(&f->shstr, ".strtab"), SHT_STRTAB, 0, 0,
		    f->str.buf, f->str.len);
}

static int build(struct symfile *f, int fd, const struct record *r,
		 struct error *err)
{
	uint32_t name;
	GElf_Ehdr eh;

	if (!(f->elf = elf_begin(fd, ELF_C_WRITE, NULL)) ||
	    !gelf_newehdr(f->elf, ELFCLASS64))
		return error_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
	gelf_getehdr(f->elf, &eh);
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_EXEC;
	eh.e_machine = (Elf64_Half)arch_elf_machine;
	eh.e_version = EV_CURRENT;
	strtab_add(&f->shstr, "");
	add_code(f, r);
	add_symbols(f, r);
	eh.e_shstrndx = SEC_STRTAB + 1;
	/* its own name first: adding it may move the buffer */
	name = strtab_add(&f->shstr, ".shstrtab");
	add_section(f, name, SHT_STRTAB, 0, 0, f->shstr.buf, f->shstr.len);
	gelf_update_ehdr(f->elf, &eh);
	if (elf_update(f->elf, ELF_C_WRITE) < 0)
		return error_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
	return 0;
}

int symfile_write(const char *path, const struct record *r,
		  const struct rmem *mem, struct error *err)
{
	const struct record_part *t = &r->parts[RECORD_PART_TEXT];
	struct symfile f = {0};
	int fd, ret;

	f.text = xmalloc(t->size + 1);
	if ((ret = rmem_read(mem, r->base + t->offset, f.text, t->size, err)))
		goto out;
	elf_version(EV_CURRENT);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0) {
		ret = error_set(err, -errno, "cannot write %s: %s", path,
				strerror(errno));
		goto out;
	}
	ret = build(&f, fd, r, err);
	if (f.elf)
		elf_end(f.elf);
	if (close(fd) && !ret)
		ret = error_set(err, -errno, "cannot write %s: %s", path,
				strerror(errno));
out:
	free(f.text);
	free(f.syms);
	free(f.str.buf);
	free(f.shstr.buf);
	return ret;
}

int symfile_write_all(pid_t pid, const char *dir, FILE *script, size_t *n,
		      struct error *err)
{
	struct state st;
	struct rmem mem;
	int r;

	*n = 0;
	if ((r = status_open(pid, &st, &mem, err)))
		return r;
	for (size_t i = 0; i < st.n && !r; i++) {
		char *path = xasprintf("%s/%s.debug", dir, st.v[i].name);

		if (!(r = symfile_write(path, &st.v[i], &mem, err))) {
			fprintf(script, "add-symbol-file %s\n", path);
			(*n)++;
		}
		free(path);
	}
	rmem_close(&mem);
	state_free(&st);
	return r;
}
