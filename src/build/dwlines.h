/*
 * dwlines.h - which source line the compiler attributed an instruction of
 * a relocatable object to, from the object's DWARF line table.
 */
#ifndef SUTURE_BUILD_DWLINES_H
#define SUTURE_BUILD_DWLINES_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

struct dw_lines;

/*
 * dw_lines_open - open the object of link-set key @key (dw_object_path)
 * under @root for dw_lines_at.  An object without line information opens
 * (every lookup then fails).  Returns 0, or a negative errno if libdwfl
 * cannot read it.
 */
int dw_lines_open(const char *root, const char *key, struct dw_lines **out,
		  struct error *err);

/* dw_lines_any - whether the object has DWARF (a compilation unit) at all. */
bool dw_lines_any(struct dw_lines *l);

/* One attribution: the source file (as the line table names it, with
 * "." and ".." resolved; a new string) and the line. */
struct dw_line {
	char *file;
	int line;
};

/*
 * dw_lines_at - the line the instruction at byte @off of function @name
 * (ELF symbol index @sym) was attributed to.  False if the object has no
 * line table covering it, or line 0 (code of no particular line).
 */
bool dw_lines_at(struct dw_lines *l, uint32_t sym, const char *name,
		 uint64_t off, struct dw_line *out);

void dw_lines_close(struct dw_lines *l);

#endif
