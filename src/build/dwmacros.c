/* dwmacros.c - the macros of a linked file (dwmacros.h). */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "build/dwmacros.h"
#include "util/xalloc.h"

/* Imports nest (a header's macros import those of the headers it
 * includes); a malformed file could make them loop. */
#define IMPORT_DEPTH_MAX 64

struct macro_walk {
	Dwarf *dw;
	const Elf_Data *sec; /* .debug_macro, as libdw reads it */
	struct dw_items *items;
	int depth;
	Dwarf_Word bad; /* offset of the unit header refused */
	bool refused;
};

/*
 * libdw (0.188) trusts the table of opcode operands in a .debug_macro unit
 * header: an entry for opcode 0 makes it write before its own array, on
 * the stack (found by tests/fuzz/fuzz-dwarf.c).  So every unit header is
 * checked here before libdw is asked to read it.
 */
static const Elf_Data *macro_section(Dwarf *dw)
{
	Elf *elf = dwarf_getelf(dw);
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (gelf_getshdr(scn, &sh) &&
		    (name = elf_strptr(elf, shstrndx, sh.sh_name)) &&
		    !strcmp(name, ".debug_macro"))
			return elf_getdata(scn, NULL);
	}
	return NULL;
}

/* Whether the unit header at @off of .debug_macro @d is one libdw can
 * read safely: whole, and no operand table entry for opcode 0. */
static bool macro_header_ok(const Elf_Data *d, Dwarf_Word off)
{
	const unsigned char *p, *end;
	unsigned count, flags;

	if (!d || !d->d_buf)
		return true; /* nothing for libdw to read either */
	if (off >= d->d_size || d->d_size - off < 3)
		return false;
	p = (const unsigned char *)d->d_buf + off;
	end = (const unsigned char *)d->d_buf + d->d_size;
	flags = p[2];
	p += 3 + ((flags & 2) ? ((flags & 1) ? 8 : 4) : 0);
	if (!(flags & 4))
		return p <= end;
	if (p >= end)
		return false;
	for (count = *p++; count > 0; count--) {
		uint64_t n = 0;
		int shift = 0;

		if (p >= end || *p++ == 0)
			return false;
		do { /* the number of operands, ULEB128, then their forms */
			if (p >= end || shift > 56)
				return false;
			n |= (uint64_t)(*p & 0x7f) << shift;
			shift += 7;
		} while (*p++ & 0x80);
		if (n > (uint64_t)(end - p))
			return false;
		p += n;
	}
	return true;
}

/* Check the header at @off before libdw reads it; false if refused. */
static bool macro_check(struct macro_walk *w, Dwarf_Word off)
{
	if (macro_header_ok(w->sec, off))
		return true;
	w->bad = off;
	w->refused = true;
	return false;
}

/* One entry: a definition is kept (a later one of the same name wins), an
 * import (a header's macros, shared between units) is followed. */
static int on_macro(Dwarf_Macro *m, void *arg)
{
	struct macro_walk *w = arg;
	unsigned int op;
	const char *def;
	Dwarf_Word off;

	if (dwarf_macro_opcode(m, &op))
		return DWARF_CB_OK;
	if (op == DW_MACRO_import && !dwarf_macro_param1(m, &off) &&
	    w->depth < IMPORT_DEPTH_MAX && macro_check(w, off)) {
		w->depth++;
		dwarf_getmacros_off(w->dw, off, on_macro, w,
				    DWARF_GETMACROS_START);
		w->depth--;
	} else if ((op == DW_MACRO_define || op == DW_MACRO_define_strp ||
		    op == DW_MACRO_define_strx) &&
		   !dwarf_macro_param2(m, NULL, &def) && def) {
		dw_items_add(w->items, xstrndup(def, strcspn(def, " (")),
			     xstrdup(def));
	}
	return DWARF_CB_OK;
}

/* The macros of unit @cu; -EINVAL and *@bad its offset if a unit header
 * was refused. */
static int read_unit(struct dw_macros *m, Dwarf *dw, Dwarf_Die *cu,
		     Dwarf_Word *bad)
{
	struct dw_items items = {0};
	struct macro_walk w = {
	    .dw = dw, .sec = macro_section(dw), .items = &items};
	const char *name = dwarf_diename(cu);
	Dwarf_Attribute a;
	Dwarf_Word off;

	if ((dwarf_attr(cu, DW_AT_macros, &a) ||
	     dwarf_attr(cu, DW_AT_GNU_macros, &a)) &&
	    !dwarf_formudata(&a, &off) && !macro_check(&w, off)) {
		*bad = off;
		return -EINVAL;
	}
	dwarf_getmacros(cu, on_macro, &w, DWARF_GETMACROS_START);
	if (w.refused) {
		dw_items_free(&items);
		*bad = w.bad;
		return -EINVAL;
	}
	if (!items.n || !name) {
		dw_items_free(&items);
		return 0;
	}
	dw_items_sort(&items);
	XGROW(m->v, m->cap, m->n + 1);
	m->v[m->n].cu = xstrdup(name);
	m->v[m->n].macros = items;
	m->n++;
	return 0;
}

int dw_macros_read(const char *path, struct dw_macros *m, struct error *err)
{
	Dwfl *dwfl = dw_offline_begin();
	Dwfl_Module *mod;
	Dwarf_Die *cu = NULL;
	Dwarf_Addr bias;
	Dwarf *dw;
	Dwarf_Word bad = 0;
	int ret = 0;

	memset(m, 0, sizeof(*m));
	if (!dwfl)
		return error_set(err, -ENOMEM, "libdwfl: %s", dwfl_errmsg(-1));
	dwfl_report_begin(dwfl);
	mod = dwfl_report_offline(dwfl, path, path, -1);
	dwfl_report_end(dwfl, NULL, NULL);
	if (mod && (dw = dwfl_module_getdwarf(mod, &bias)))
		while (!ret && (cu = dwfl_module_nextcu(mod, cu, &bias)))
			ret = read_unit(m, dw, cu, &bad);
	dwfl_end(dwfl);
	if (!ret)
		return 0;
	dw_macros_free(m);
	return error_set(err, ret,
			 "the DWARF macros of %s are malformed (.debug_macro "
			 "unit at offset %#llx); rebuild it",
			 path, (unsigned long long)bad);
}

const struct dw_items *dw_macros_find(const struct dw_macros *m,
				      const char *source)
{
	size_t sl = strlen(source);

	for (size_t i = 0; i < m->n; i++) {
		size_t cl = strlen(m->v[i].cu);

		if (cl >= sl && !strcmp(m->v[i].cu + cl - sl, source) &&
		    (cl == sl || m->v[i].cu[cl - sl - 1] == '/'))
			return &m->v[i].macros;
	}
	return NULL;
}

void dw_macros_free(struct dw_macros *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].cu);
		dw_items_free(&m->v[i].macros);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}
