/*
 * dwmacros.h - the macros a program was compiled with, from the DWARF of
 * the linked file (gcc -g3 or clang -fdebug-macro).
 *
 * Read from the linked file, not from the objects: in an object, the
 * macros of each header sit in a section of their own that the link merges,
 * and the references to them are only resolved there.
 */
#ifndef SUTURE_BUILD_DWMACROS_H
#define SUTURE_BUILD_DWMACROS_H

#include "build/dwtypes.h"

/* The macros in effect at the end of one compilation unit. */
struct dw_unit_macros {
	char *cu;		/* its DW_AT_name: the source file */
	struct dw_items macros; /* "NAME" -> "NAME VALUE", sorted */
};

struct dw_macros {
	struct dw_unit_macros *v;
	size_t n, cap;
};

/* dw_macros_read - the macros of every unit of the linked file @path that
 * has any (none without -g3).  Release with dw_macros_free. */
int dw_macros_read(const char *path, struct dw_macros *m, struct error *err);

/* dw_macros_find - the macros of the unit made from @source (a path that
 * the unit's name ends with), or NULL. */
const struct dw_items *dw_macros_find(const struct dw_macros *m,
				      const char *source);

void dw_macros_free(struct dw_macros *m);

#endif
