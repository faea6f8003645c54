/*
 * dwtypes.h - the data an object file's code sees, from its DWARF: the
 * layout of every struct, union, enum and typedef that given functions or
 * the object's variables use, and the type of every variable, as text that
 * compares equal exactly when the layout is the same.
 *
 * A struct is described member by member with offsets (bit offsets for
 * bit-fields) and the members' type names; an enum by its enumerators and
 * values; a typedef by what it names.  Named types a description mentions
 * are described on their own (they are "used" too), anonymous ones inline.
 */
#ifndef SUTURE_BUILD_DWTYPES_H
#define SUTURE_BUILD_DWTYPES_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

struct Dwfl;
struct Dwfl_Module;
/* dw_offline_begin - a libdwfl session for files read offline (objects,
 * linked files); NULL on failure. */
struct Dwfl *dw_offline_begin(void);

/* dw_offline_module - report the object at @path (an ar archive's member
 * @member when not NULL) to @dwfl, between dwfl_report_begin and _end;
 * its module, or NULL. */
struct Dwfl_Module *dw_offline_module(struct Dwfl *dwfl, const char *path,
				      const char *member);

/* dw_object_path - where the object of link-set key @key ("dir/x.o", or
 * "lib.a(m.o)" for an archive member) is under @root: *path and, for a
 * member, *member (else NULL); both new strings. */
void dw_object_path(const char *root, const char *key, char **path,
		    char **member);

/* A named thing and its description. */
struct dw_item {
	char *name; /* "struct item", "enum color"; or a variable: "counter",
		       "fn::count" for a function's static */
	char *text; /* the layout, or a variable's type and size */
	char *repr; /* a struct's or union's storage: "size N;" then each
		       member as "name@offset.bitoffset/bits:R;" with R the
		       representation of its type through typedefs ("u1"
		       an unsigned byte, "b1" a bool, "p" a pointer, "s4[4]"
		       an array...); else NULL */
	size_t seq; /* order of appearance */
};

struct dw_items {
	struct dw_item *v;
	size_t n, cap;
};

/* What one object's DWARF says. */
struct dw_view {
	struct dw_items types; /* used by the functions asked for or by a
				  variable, sorted by name */
	struct dw_items vars;  /* variables with static storage */
	size_t ncus;	       /* compilation units with DWARF (0: none) */
};

/*
 * dw_view_read - read the object at @path (an ar archive member when
 * @member is not NULL) and describe all variables and the types the
 * functions @funcs[0..n) and the variables use; with @all, every named type
 * of the object.  An object without DWARF gives ncus 0.
 */
int dw_view_read(const char *path, const char *member, const char *const *funcs,
		 size_t nfuncs, bool all, struct dw_view *v, struct error *err);

/* dw_items_add - append (@name, @text), both taken over. */
void dw_items_add(struct dw_items *items, char *name, char *text);

/* dw_items_sort - sort by name, keeping of equal names the last added. */
void dw_items_sort(struct dw_items *items);

void dw_items_free(struct dw_items *items);

/* dw_items_find - the item called @name (after dw_items_sort), or NULL. */
const struct dw_item *dw_items_find(const struct dw_items *items,
				    const char *name);

void dw_view_free(struct dw_view *v);

#endif
