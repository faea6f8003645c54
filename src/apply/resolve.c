/* resolve.c - binding a patch's external symbols in a running process. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/resolve.h"
#include "arch/arch.h"
#include "util/xalloc.h"

/* The "hidden" bit of a .gnu.version entry: not the default version. */
#define VERSYM_HIDDEN 0x8000

/*
 * A GOT slot of a module: where its dynamic linker stored a symbol, or for
 * an IRELATIVE slot the implementation its IFUNC resolver returned.
 */
struct dyn_slot {
	uint64_t addr;	   /* link-time address of the slot */
	uint32_t sym;	   /* index into the dynamic symbol table, 0 if
			      IRELATIVE */
	uint64_t resolver; /* IRELATIVE: link-time address of the resolver */
};

/* What resolve needs of a module, read once from its section headers. */
struct module_dyn {
	const Elf64_Sym *syms;
	size_t nsyms;
	size_t strndx;		/* section of the symbol names */
	const uint16_t *versym; /* NULL if unversioned */
	struct dyn_slot *slots;
	size_t nslots, cap;
};

/* Collect the GOT-slot relocations of one SHT_RELA section. */
static void load_slots(struct module_dyn *d, Elf_Data *data)
{
	const Elf64_Rela *r = data->d_buf;
	size_t n = data->d_size / sizeof(*r);

	for (size_t i = 0; i < n; i++) {
		uint32_t sym = (uint32_t)ELF64_R_SYM(r[i].r_info);
		uint32_t type = (uint32_t)ELF64_R_TYPE(r[i].r_info);
		bool irel = arch_dynreloc_is_irelative(type);

		if (!irel &&
		    (!arch_dynreloc_is_slot(type) || !sym || sym >= d->nsyms))
			continue;
		XGROW(d->slots, d->cap, d->nslots);
		d->slots[d->nslots].addr = r[i].r_offset;
		d->slots[d->nslots].sym = irel ? 0 : sym;
		d->slots[d->nslots++].resolver =
		    irel ? (uint64_t)r[i].r_addend : 0;
	}
}

/* Read @mod's dynamic symbols, versions and GOT relocations. */
static struct module_dyn *load_dyn(struct module *mod)
{
	struct module_dyn *d = xcalloc(1, sizeof(*d));
	size_t dynsym_ndx = 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(mod->elf, scn))) {
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || !(data = elf_getdata(scn, NULL)))
			continue;
		if (sh.sh_type == SHT_DYNSYM) {
			d->syms = data->d_buf;
			d->nsyms = data->d_size / sizeof(Elf64_Sym);
			d->strndx = sh.sh_link;
			dynsym_ndx = elf_ndxscn(scn);
		} else if (sh.sh_type == SHT_GNU_versym) {
			d->versym = data->d_buf;
		}
	}
	/* Relocations second: they index the symbol table found above. */
	while ((scn = elf_nextscn(mod->elf, scn))) {
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_RELA &&
		    dynsym_ndx && sh.sh_link == dynsym_ndx)
			load_slots(d, elf_getdata(scn, NULL));
	}
	return d;
}

static const char *sym_name(const struct module *mod, uint32_t i)
{
	const char *s =
	    elf_strptr(mod->elf, mod->dyn->strndx, mod->dyn->syms[i].st_name);

	return s ? s : "";
}

/*
 * Look for @name among @mod's GOT slots and read the slot.  Returns 1 with
 * *addr set if found; *bound says whether it already points outside @mod
 * (a lazily bound PLT slot still points at @mod's own resolver stub).
 */
static int from_slot(struct module *mod, const struct rmem *mem,
		     const char *name, uint64_t *addr, bool *bound)
{
	struct module_dyn *d = mod->dyn;

	for (size_t i = 0; i < d->nslots; i++) {
		if (!d->slots[i].sym ||
		    strcmp(sym_name(mod, d->slots[i].sym), name))
			continue;
		if (rmem_read(mem, mod->bias + d->slots[i].addr, addr,
			      sizeof(*addr), NULL) ||
		    !*addr)
			continue;
		*bound = *addr < mod->lo || *addr >= mod->hi;
		return 1;
	}
	return 0;
}

/*
 * The implementation chosen for the IFUNC whose resolver is at link-time
 * address @resolver in @mod: the module's own calls to it go through an
 * IRELATIVE slot that the dynamic linker filled by running the resolver.
 * Returns 1 with *addr set if there is such a slot.
 */
static int from_irelative(struct module *mod, const struct rmem *mem,
			  uint64_t resolver, uint64_t *addr)
{
	struct module_dyn *d = mod->dyn;

	for (size_t i = 0; i < d->nslots; i++)
		if (!d->slots[i].sym && d->slots[i].resolver == resolver &&
		    !rmem_read(mem, mod->bias + d->slots[i].addr, addr,
			       sizeof(*addr), NULL) &&
		    *addr)
			return 1;
	return 0;
}

/*
 * Look for a default-version definition of @name in @mod.  Returns 1 with
 * *addr set if found, 2 if it is an IFUNC whose choice no slot shows, with
 * *addr its resolver's run-time address, 0 if there is none.
 */
static int from_dynsym(struct module *mod, const struct rmem *mem,
		       const char *name, uint64_t *addr)
{
	struct module_dyn *d = mod->dyn;

	for (size_t i = 1; i < d->nsyms; i++) {
		const Elf64_Sym *s = &d->syms[i];
		unsigned bind = ELF64_ST_BIND(s->st_info);
		unsigned type = ELF64_ST_TYPE(s->st_info);

		if (s->st_shndx == SHN_UNDEF || type == STT_TLS ||
		    (bind != STB_GLOBAL && bind != STB_WEAK) ||
		    (d->versym && (d->versym[i] & VERSYM_HIDDEN)) ||
		    strcmp(sym_name(mod, (uint32_t)i), name))
			continue;
		if (type == STT_GNU_IFUNC &&
		    !from_irelative(mod, mem, s->st_value, addr)) {
			*addr = mod->bias + s->st_value;
			return 2;
		}
		if (type != STT_GNU_IFUNC)
			*addr = mod->bias + s->st_value;
		return 1;
	}
	return 0;
}

int resolve_dynsym(struct module *mod, const struct rmem *mem, const char *name,
		   uint64_t *addr)
{
	if (!mod->dyn)
		mod->dyn = load_dyn(mod);
	return from_dynsym(mod, mem, name, addr) == 1 ? 0 : -ENOENT;
}

/* Resolve one external symbol as explained in resolve.h; an IFUNC that
 * must be resolved in the process leaves *addr 0 and *resolver set. */
static int resolve_extern(struct modules *mods, const struct rmem *mem,
			  const struct patch_symbol *sym, uint64_t *addr,
			  uint64_t *resolver, struct error *err)
{
	struct module *main = modules_main(mods);
	uint64_t lazy = 0;
	bool bound;
	int r;

	for (size_t i = 0; i < mods->n; i++) {
		if (!mods->v[i].dyn)
			mods->v[i].dyn = load_dyn(&mods->v[i]);
		if (from_slot(&mods->v[i], mem, sym->name, addr, &bound)) {
			if (bound)
				return 0;
			lazy = lazy ? lazy : *addr;
		}
	}
	/* A lazy slot still works: the call goes through the module's PLT
	 * and its dynamic linker, which binds it like any other call. */
	if ((*addr = lazy))
		return 0;
	/* The executable first, then the libraries in address order: the
	 * first definition wins, as in the dynamic linker's lookup. */
	for (size_t i = 0; i <= mods->n; i++) {
		struct module *m = i ? &mods->v[i - 1] : main;

		if (!m || (i && m == main))
			continue;
		if ((r = from_dynsym(m, mem, sym->name, addr)) == 2)
			*resolver = *addr;
		if (r) {
			*addr = r == 2 ? 0 : *addr;
			return 0;
		}
	}
	*addr = 0;
	if (sym->weak)
		return 0;
	return error_set(err, -ENOENT,
			 "cannot resolve symbol '%s': no module loaded in "
			 "process %d defines it",
			 sym->name, mods->pid);
}

/*
 * The live address of a variable of the patched module.  A shared library
 * reaches its own exported variables through its GOT, because the
 * executable may have copied one (a COPY relocation) and the copy is then
 * the live object: read that slot if there is one, else add the bias.
 */
static uint64_t target_addr(struct module *target, const struct rmem *mem,
			    const struct patch_symbol *s)
{
	uint64_t addr;
	bool bound;

	if (!s->func && !target->is_main && s->name[0]) {
		if (!target->dyn)
			target->dyn = load_dyn(target);
		if (from_slot(target, mem, s->name, &addr, &bound))
			return addr;
	}
	return target->bias + s->value;
}

int resolve_symbols(const struct patch *p, struct module *target,
		    struct modules *mods, const struct rmem *mem,
		    uint64_t *addrs, uint64_t *resolvers, struct error *err)
{
	int r;

	for (size_t i = 0; i < p->nsymbols; i++) {
		const struct patch_symbol *s = &p->symbols[i];

		addrs[i] = resolvers[i] = 0;
		if (s->kind == PSYM_TARGET)
			addrs[i] = target_addr(target, mem, s);
		else if (s->kind == PSYM_EXTERN &&
			 (r = resolve_extern(mods, mem, s, &addrs[i],
					     &resolvers[i], err)))
			return r;
	}
	return 0;
}

/* The names resolve_name found so far, and the one it keeps. */
struct name_pick {
	bool (*wanted)(const char *name, const void *ctx);
	const void *ctx;
	char *buf;
	size_t len;
	bool any, done;
};

/* Whether alias @a is a better name than @b when none is wanted: a
 * public one (no leading '_'), then the shorter (strtoul, not strtoull or
 * strtoumax), then the first in the symbol table. */
static bool plainer(const char *a, const char *b)
{
	if ((a[0] == '_') != (b[0] == '_'))
		return b[0] == '_';
	return strlen(a) < strlen(b);
}

/* Offer @name: kept if it is the first one wanted, or while none is, the
 * plainest. */
static void offer(struct name_pick *k, const char *name)
{
	bool want;

	if (k->done || !name || !name[0])
		return;
	want = k->wanted && k->wanted(name, k->ctx);
	if (!k->any || want || plainer(name, k->buf))
		snprintf(k->buf, k->len, "%s", name);
	k->any = true;
	k->done = want;
}

/* Offer the IFUNCs of @mod whose resolver is at link-time address
 * @resolver (aliases: __strcasecmp and strcasecmp). */
static void ifuncs_at(const struct module *mod, uint64_t resolver,
		      struct name_pick *k)
{
	struct module_dyn *d = mod->dyn;

	for (size_t i = 1; i < d->nsyms && !k->done; i++)
		if (ELF64_ST_TYPE(d->syms[i].st_info) == STT_GNU_IFUNC &&
		    d->syms[i].st_shndx != SHN_UNDEF &&
		    d->syms[i].st_value == resolver)
			offer(k, sym_name(mod, (uint32_t)i));
}

/* Offer the names of @mod's GOT slots that hold @addr. */
static void slot_names(const struct module *mod, const struct rmem *mem,
		       uint64_t addr, struct name_pick *k)
{
	struct module_dyn *d = mod->dyn;
	uint64_t v;

	for (size_t i = 0; i < d->nslots && !k->done; i++)
		if (!rmem_read(mem, mod->bias + d->slots[i].addr, &v, sizeof(v),
			       NULL) &&
		    v == addr) {
			if (d->slots[i].sym)
				offer(k, sym_name(mod, d->slots[i].sym));
			else
				ifuncs_at(mod, d->slots[i].resolver, k);
		}
}

/* Offer the default-version dynamic symbols @mod defines at @addr. */
static void defined_names(const struct module *mod, uint64_t addr,
			  struct name_pick *k)
{
	struct module_dyn *d = mod->dyn;

	for (size_t i = 1; i < d->nsyms && !k->done; i++) {
		const Elf64_Sym *s = &d->syms[i];
		unsigned bind = ELF64_ST_BIND(s->st_info);

		if (s->st_shndx != SHN_UNDEF &&
		    ELF64_ST_TYPE(s->st_info) == STT_FUNC &&
		    (bind == STB_GLOBAL || bind == STB_WEAK) &&
		    !(d->versym && (d->versym[i] & VERSYM_HIDDEN)) &&
		    mod->bias + s->st_value == addr)
			offer(k, sym_name(mod, (uint32_t)i));
	}
}

void resolve_prepare(struct modules *mods)
{
	for (size_t i = 0; i < mods->n; i++)
		if (!mods->v[i].dyn)
			mods->v[i].dyn = load_dyn(&mods->v[i]);
}

bool resolve_name(const struct modules *mods, const struct rmem *mem,
		  uint64_t addr,
		  bool (*wanted)(const char *name, const void *ctx),
		  const void *ctx, char *buf, size_t len)
{
	struct name_pick k = {wanted, ctx, buf, len, false, false};

	for (size_t i = 0; i < mods->n && !k.done; i++)
		if (mods->v[i].dyn)
			slot_names(&mods->v[i], mem, addr, &k);
	for (size_t i = 0; i < mods->n && !k.done; i++)
		if (mods->v[i].dyn && addr >= mods->v[i].lo &&
		    addr < mods->v[i].hi)
			defined_names(&mods->v[i], addr, &k);
	return k.any;
}
