/* dwmacros.c - the macros of a linked file (dwmacros.h). */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build/dwmacros.h"
#include "util/xalloc.h"

/* Imports nest (a header's macros import those of the headers it
 * includes); a malformed file could make them loop. */
#define IMPORT_DEPTH_MAX 64

struct macro_walk {
	Dwarf *dw;
	struct dw_items *items;
	int depth;
};

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
	    w->depth < IMPORT_DEPTH_MAX) {
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

static void read_unit(struct dw_macros *m, Dwarf *dw, Dwarf_Die *cu)
{
	struct dw_items items = {0};
	struct macro_walk w = {.dw = dw, .items = &items};
	const char *name = dwarf_diename(cu);

	dwarf_getmacros(cu, on_macro, &w, DWARF_GETMACROS_START);
	if (!items.n || !name) {
		dw_items_free(&items);
		return;
	}
	dw_items_sort(&items);
	XGROW(m->v, m->cap, m->n + 1);
	m->v[m->n].cu = xstrdup(name);
	m->v[m->n].macros = items;
	m->n++;
}

int dw_macros_read(const char *path, struct dw_macros *m, struct error *err)
{
	Dwfl *dwfl = dw_offline_begin();
	Dwfl_Module *mod;
	Dwarf_Die *cu = NULL;
	Dwarf_Addr bias;
	Dwarf *dw;

	memset(m, 0, sizeof(*m));
	if (!dwfl)
		return error_set(err, -ENOMEM, "libdwfl: %s", dwfl_errmsg(-1));
	dwfl_report_begin(dwfl);
	mod = dwfl_report_offline(dwfl, path, path, -1);
	dwfl_report_end(dwfl, NULL, NULL);
	if (mod && (dw = dwfl_module_getdwarf(mod, &bias)))
		while ((cu = dwfl_module_nextcu(mod, cu, &bias)))
			read_unit(m, dw, cu);
	dwfl_end(dwfl);
	return 0;
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
