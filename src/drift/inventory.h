/*
 * inventory.h - the functions or variables of a binary, each with a key
 * that names it in any build of the same program.
 *
 * A global is its name.  A static is its name and the source file whose
 * STT_FILE symbol it follows in the symbol table; several statics with the
 * same name in files of the same name are told apart by address order (the
 * k-th such symbol), which two builds of one source tree keep.
 */
#ifndef SUTURE_DRIFT_INVENTORY_H
#define SUTURE_DRIFT_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "build/target.h"

struct inventory_item {
	const struct target_sym *sym;
	const char *file; /* STT_FILE name of a static, or NULL */
	size_t k;	  /* how many items with the same key come before */
};

struct inventory {
	struct inventory_item *v; /* in address order */
	size_t n;
};

/* inventory_make - the defined symbols of @t of ELF type @type (STT_FUNC,
 * STT_OBJECT) that have a size and, for functions, bytes in the file.
 * Points into @t; release with inventory_free. */
void inventory_make(const struct target *t, unsigned char type,
		    struct inventory *inv);
void inventory_free(struct inventory *inv);

/* inventory_find - the item of @inv with the same key as @like, or NULL. */
const struct inventory_item *inventory_find(const struct inventory *inv,
					    const struct inventory_item *like);

#endif
