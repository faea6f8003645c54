/*
 * pname.c - naming the addresses that code in a process refers to, so
 * that its listing compares with a binary's (listing.h).
 *
 * In the module: by its file's symbols, at the link-time address.  In a
 * patch region: the replaced function or hook the record names there, a
 * string literal read from the process, a far call's stub by where it
 * jumps, other code as "<code of patch NAME at ADDR>" (the record does not
 * name a patch's new helpers).  Elsewhere (a library): the import whose GOT
 * slot in the module holds that address, else the library function there.
 *
 * A patch reaches a library function the module did not import through a
 * slot or a far-call stub of its own: named like a binary's call through
 * its PLT, by the function the address is (resolve_name), and a slot read
 * by an instruction as "NAME@got", as listing_name_in names a binary's own
 * GOT slots.  So a release that calls SSL_get_servername and the patch
 * that brought the call list the same line.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "apply/resolve.h"
#include "arch/arch.h"
#include "drift/procview.h"

/* The region (live, half-applied or superseded) holding @addr, or NULL. */
static const struct record *region_of(const struct state *st, uint64_t addr)
{
	const struct record *sets[] = {st->v, st->dead, st->old};
	const size_t ns[] = {st->n, st->ndead, st->nold};

	for (size_t s = 0; s < 3; s++)
		for (size_t i = 0; i < ns[s]; i++)
			if (addr >= sets[s][i].base &&
			    addr - sets[s][i].base < sets[s][i].size)
				return &sets[s][i];
	return NULL;
}

/* A replaced function's new code or a hook of @r at @addr. */
static bool name_code(const struct record *r, uint64_t addr, char *buf,
		      size_t len)
{
	for (size_t i = 0; i < r->nfuncs; i++) {
		const struct record_func *f = &r->funcs[i];

		if (addr == f->new_addr)
			return snprintf(buf, len, "%s", f->name), true;
		if (addr > f->new_addr && addr < f->new_addr + f->new_size)
			return snprintf(buf, len, "%s+%#" PRIx64, f->name,
					addr - f->new_addr),
			       true;
	}
	for (size_t i = 0; i < r->nhooks; i++)
		if (addr == r->hooks[i].addr)
			return snprintf(buf, len, "%s", r->hooks[i].name), true;
	return false;
}

/* A string literal at @addr of the process (it may end its mapping, so
 * shorter reads are tried too). */
static bool name_literal(const struct procview *pv, uint64_t addr, char *buf,
			 size_t len)
{
	unsigned char s[64];

	for (size_t n = sizeof(s); n; n /= 2)
		if (!rmem_read(&pv->mem, addr, s, n, NULL))
			return listing_literal(s, n, buf, len);
	return false;
}

/* The import of the module whose GOT slot holds @addr: a library's
 * function, or the module's own PLT entry while the dynamic linker has not
 * bound the slot yet (lazy binding), as apply found them. */
static bool name_import(const struct procview *pv, uint64_t addr, char *buf,
			size_t len)
{
	const struct target *t = pv->file;

	for (size_t i = 0; i < t->nslots; i++)
		if (pv->slots[i] == addr)
			return snprintf(buf, len, "%s", t->slots[i].name), true;
	return false;
}

/* Whether the binary compared with calls or defines @name. */
static bool hint_has(const char *name, const void *ctx)
{
	const struct target *t = ctx;

	for (size_t i = 0; t && i < t->nslots; i++)
		if (!strcmp(t->slots[i].name, name))
			return true;
	for (size_t i = 0; t && i < t->nsyms; i++)
		if (t->syms[i].defined && !strcmp(t->syms[i].name, name))
			return true;
	return false;
}

/* Code of another module at @addr: an import of the module, else the
 * library function it is. */
static bool name_extern(const struct procview *pv, uint64_t addr, char *buf,
			size_t len)
{
	return name_import(pv, addr, buf, len) ||
	       resolve_name(&pv->mods, &pv->mem, addr, hint_has, pv->hint, buf,
			    len);
}

/* A far call's stub in a patch region (arch.h), named by where it jumps. */
static bool name_stub(const struct procview *pv, uint64_t addr, char *buf,
		      size_t len)
{
	unsigned char stub[ARCH_STUB_MAX];
	uint64_t to;

	return !rmem_read(&pv->mem, addr, stub, arch_stub_len(), NULL) &&
	       arch_stub_read(stub, &to) && name_extern(pv, to, buf, len);
}

/* Outside the patch regions: the module's symbols, by link-time address,
 * also beyond its file mappings (its .bss is anonymous memory in the map);
 * else an import of the module or another module's function. */
static void name_outside(const struct procview *pv, uint64_t addr, char *buf,
			 size_t len)
{
	snprintf(buf, len, "<anon>");
	if (addr >= pv->mod->lo)
		listing_name_in(pv->file, addr - pv->mod->bias, buf, len);
	if (!strcmp(buf, "<anon>"))
		name_extern(pv, addr, buf, len);
}

/* A GOT slot of a patch region at @addr, read by an instruction, named
 * "NAME@got" by the function it holds: of the module (a call the
 * release's linker made direct, -fno-plt) or of another. */
static bool name_slot(const struct procview *pv, uint64_t addr, char *buf,
		      size_t len)
{
	char name[160] = "<anon>";
	uint64_t to;

	if (addr % sizeof(to) ||
	    rmem_read(&pv->mem, addr, &to, sizeof(to), NULL))
		return false;
	name_outside(pv, to, name, sizeof(name));
	if (!strcmp(name, "<anon>"))
		return false;
	snprintf(buf, len, "%s@got", name);
	return true;
}

/* In patch region @r.  Other data is unnamed, as a binary's constants
 * without a symbol are; other code is a helper the record does not name. */
static void name_region(const struct procview *pv, const struct record *r,
			uint64_t addr, bool branch, char *buf, size_t len)
{
	if (name_code(r, addr, buf, len) ||
	    (branch ? name_stub(pv, addr, buf, len)
		    : name_slot(pv, addr, buf, len)) ||
	    name_literal(pv, addr, buf, len))
		return;
	if (branch)
		snprintf(buf, len, "<code of patch %s at %#" PRIx64 ">",
			 r->name, addr);
	else
		snprintf(buf, len, "<anon>");
}

/* Regions first: they never overlap the module.  Outside them nothing is
 * read from the process as a literal: the module's literals are named from
 * its file, as the binary's are, and its writable memory holds run-time
 * values.  A GOT slot holds an address that ASLR makes read as a short
 * string about once in 50 starts ("0]UUUU"): named so, a fresh process
 * differed from its own file (t-drift). */
static void name_proc(const void *ctx, uint64_t addr, bool branch, char *buf,
		      size_t len)
{
	const struct procview *pv = ctx;
	const struct record *r;

	if ((r = region_of(&pv->st, addr)))
		name_region(pv, r, addr, branch, buf, len);
	else
		name_outside(pv, addr, buf, len);
}

int procview_listing(const struct procview *pv, const struct procview_code *c,
		     struct listing *l)
{
	const struct listing_namer nm = {name_proc, pv};

	return listing_code(c->bytes, c->size, c->addr, &nm, l);
}
