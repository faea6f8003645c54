/*
 * dwlines.c - instruction to source line, for a relocatable object
 * (dwlines.h).
 *
 * In a .o every function's line-table addresses are relocations against
 * its section, all of which start at 0; read through libdwfl as an
 * offline module, the sections get distinct addresses and the relocations
 * are applied, so a symbol's address plus an offset finds the one row
 * that covers the instruction.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build/dwlines.h"
#include "build/dwtypes.h"
#include "util/xalloc.h"

struct dw_lines {
	Dwfl *dwfl;
	Dwfl_Module *mod;
};

int dw_lines_open(const char *root, const char *key, struct dw_lines **out,
		  struct error *err)
{
	struct dw_lines *l = xcalloc(1, sizeof(*l));
	char *path, *member;

	dw_object_path(root, key, &path, &member);
	l->dwfl = dw_offline_begin();
	if (l->dwfl) {
		dwfl_report_begin(l->dwfl);
		l->mod = dw_offline_module(l->dwfl, path, member);
		dwfl_report_end(l->dwfl, NULL, NULL);
	}
	free(path);
	free(member);
	if (!l->mod) {
		dw_lines_close(l);
		return error_set(err, -EINVAL,
				 "cannot read the line table of %s: %s", key,
				 dwfl_errmsg(-1));
	}
	*out = l;
	return 0;
}

/* @path with "//", "/./" and "dir/../" taken out, in place. */
static void dw_lines_tidy(char *path)
{
	char *w = path, *r = path;

	while (*r) {
		if (r[0] == '/' &&
		    (r[1] == '/' || (r[1] == '.' && (r[2] == '/' || !r[2])))) {
			r += r[1] == '/' ? 1 : 2;
			continue;
		}
		if (r[0] == '/' && r[1] == '.' && r[2] == '.' &&
		    (r[3] == '/' || !r[3]) && w > path) {
			while (w > path && *--w != '/')
				;
			r += 3;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

/* The line-table row covering @addr, and its CU in *cu.  Looked up CU by
 * CU rather than with dwfl_module_getsrc, which finds the CU through
 * .debug_aranges: clang writes none. */
static Dwarf_Line *dw_lines_row(struct dw_lines *l, GElf_Addr addr,
				Dwarf_Die **cu)
{
	Dwarf_Addr bias;
	Dwarf_Line *row;

	*cu = NULL;
	while ((*cu = dwfl_module_nextcu(l->mod, *cu, &bias)))
		if (dwarf_haspc(*cu, addr - bias) > 0 &&
		    (row = dwarf_getsrc_die(*cu, addr - bias)))
			return row;
	return NULL;
}

/* @file made absolute: clang names a header "./x.h", relative to the
 * CU's DW_AT_comp_dir.  A new string, or NULL. */
static char *dw_lines_path(Dwarf_Die *cu, const char *file)
{
	Dwarf_Attribute a;
	const char *dir;

	if (file[0] == '/')
		return xstrdup(file);
	dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &a));
	return dir ? xasprintf("%s/%s", dir, file) : NULL;
}

bool dw_lines_at(struct dw_lines *l, uint32_t sym, const char *name,
		 uint64_t off, struct dw_line *out)
{
	GElf_Sym s;
	GElf_Addr addr;
	const char *sname, *file;
	Dwarf_Die *cu;
	Dwarf_Line *row;
	int line = 0;

	sname = dwfl_module_getsym_info(l->mod, (int)sym, &s, &addr, NULL, NULL,
					NULL);
	if (!sname || strcmp(sname, name))
		return false;
	row = dw_lines_row(l, addr + off, &cu);
	file = row ? dwarf_linesrc(row, NULL, NULL) : NULL;
	if (!file || dwarf_lineno(row, &line) || line <= 0 ||
	    !(out->file = dw_lines_path(cu, file)))
		return false;
	out->line = line;
	dw_lines_tidy(out->file);
	return true;
}

bool dw_lines_any(struct dw_lines *l)
{
	Dwarf_Addr bias;

	return dwfl_module_nextcu(l->mod, NULL, &bias) != NULL;
}

void dw_lines_close(struct dw_lines *l)
{
	if (l && l->dwfl)
		dwfl_end(l->dwfl);
	free(l);
}
