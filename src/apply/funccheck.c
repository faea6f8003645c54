/*
 * funccheck.c - replaced functions against the module's symbols
 * (funccheck.h).  The function symbols of the module are collected once and
 * sorted by address, so each entry costs a binary search.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "apply/dbgfile.h"
#include "apply/funccheck.h"
#include "util/xalloc.h"

struct fsym {
	uint64_t value, size;
	const char *name; /* in the ELF file's string table */
};

struct ftable {
	struct fsym *v;
	size_t n, cap;
	bool full;	    /* a .symtab was read (statics included) */
	struct dbgfile dbg; /* the module's debug file, if it needs one */
};

/* Add the defined function symbols of the table at @scn of @elf. */
static void add_table(struct ftable *t, Elf *elf, Elf_Scn *scn,
		      const GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	GElf_Sym y;

	for (size_t i = 1;
	     d && sh->sh_entsize && i < sh->sh_size / sh->sh_entsize; i++) {
		const char *name;

		if (!gelf_getsym(d, (int)i, &y) || y.st_shndx == SHN_UNDEF ||
		    GELF_ST_TYPE(y.st_info) != STT_FUNC ||
		    !(name = elf_strptr(elf, sh->sh_link, y.st_name)))
			continue;
		XGROW(t->v, t->cap, t->n);
		t->v[t->n++] = (struct fsym){y.st_value, y.st_size, name};
	}
}

/* Add every table of section type @type in @elf; whether there was one. */
static bool add_tables(struct ftable *t, Elf *elf, GElf_Word type)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	bool found = false;

	while (elf && (scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == type) {
			add_table(t, elf, scn, &sh);
			found = true;
		}
	return found;
}

static int fsym_cmp(const void *a, const void *b)
{
	const struct fsym *x = a, *y = b;

	return x->value < y->value ? -1 : x->value > y->value;
}

static void load(struct ftable *t, const struct module *mod)
{
	t->full = add_tables(t, mod->elf, SHT_SYMTAB);
	if (!t->full) {
		dbgfile_open(mod, &t->dbg);
		t->full = add_tables(t, t->dbg.elf, SHT_SYMTAB);
	}
	add_tables(t, mod->elf, SHT_DYNSYM);
	if (t->n > 1)
		qsort(t->v, t->n, sizeof(*t->v), fsym_cmp);
}

static void unload(struct ftable *t)
{
	dbgfile_close(&t->dbg);
	free(t->v);
}

/* The first symbol at or above @addr (t->n if none). */
static size_t lower_bound(const struct ftable *t, uint64_t addr)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].value < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Whether symbol name @sym (maybe with an @VERSION) is @name. */
static bool same_name(const char *sym, const char *name)
{
	size_t len = strcspn(sym, "@");

	return strlen(name) == len && !strncmp(sym, name, len);
}

/* The symbol at @f->old_addr named as @f says, or NULL. */
static const struct fsym *find(const struct ftable *t,
			       const struct patch_func *f)
{
	for (size_t i = lower_bound(t, f->old_addr);
	     i < t->n && t->v[i].value == f->old_addr; i++)
		if (same_name(t->v[i].name, f->name))
			return &t->v[i];
	return NULL;
}

/* A function of the module that contains @addr, for the message. */
static const struct fsym *containing(const struct ftable *t, uint64_t addr)
{
	for (size_t i = lower_bound(t, addr + 1); i-- > 0;)
		if (addr - t->v[i].value < t->v[i].size)
			return &t->v[i];
	return NULL;
}

/* Refuse @f, which no symbol of @mod at its address bears out. */
static int not_found(const struct ftable *t, const struct patch *p,
		     const struct patch_func *f, const struct module *mod,
		     struct error *err)
{
	const struct fsym *c = containing(t, f->old_addr);

	if (!t->full)
		return error_set(err, -ENOENT,
				 "patch '%s': function %s at old_addr %#" PRIx64
				 " is not among the dynamic symbols of %s, "
				 "which has no symbol table (stripped) and no "
				 "debug file at %s (nor by .gnu_debuglink), so "
				 "suture cannot check that it starts a "
				 "function there; install the module's debug "
				 "file at that path",
				 p->name, f->name, f->old_addr, mod->path,
				 t->dbg.by_id[0] ? t->dbg.by_id
						 : "(it has no build id)");
	if (c)
		return error_set(
		    err, -EINVAL,
		    "patch '%s': function %s has old_addr %#" PRIx64
		    ", which is not the start of a function of "
		    "%s but %s+%#" PRIx64
		    "; the file was altered or not made for this "
		    "binary by suture build: build the patch "
		    "again",
		    p->name, f->name, f->old_addr, mod->path, c->name,
		    f->old_addr - c->value);
	return error_set(err, -EINVAL,
			 "patch '%s': function %s has old_addr %#" PRIx64
			 ", where %s has no function of that name; the file "
			 "was altered or not made for this binary by suture "
			 "build: build the patch again",
			 p->name, f->name, f->old_addr, mod->path);
}

static int check_func(const struct ftable *t, const struct patch *p,
		      const struct patch_func *f, const struct module *mod,
		      struct error *err)
{
	const struct fsym *y = find(t, f);

	if (!y)
		return not_found(t, p, f, mod, err);
	if (y->size != f->old_size)
		return error_set(err, -EINVAL,
				 "patch '%s': function %s at %#" PRIx64
				 " has old_size %" PRIu64
				 " bytes, but %s's symbol table says %" PRIu64
				 "; the file was altered or not made for this "
				 "binary by suture build: build the patch "
				 "again",
				 p->name, f->name, f->old_addr, f->old_size,
				 mod->path, y->size);
	return 0;
}

int funccheck(const struct patch *p, const struct module *mod,
	      struct error *err)
{
	struct ftable t = {.dbg = {.fd = -1}};
	int r = 0;

	load(&t, mod);
	for (size_t i = 0; i < p->nfuncs && !r; i++)
		r = check_func(&t, p, &p->funcs[i], mod, err);
	unload(&t);
	return r;
}
