/* catalog.h - the shop's product catalog. */
#ifndef CATALOG_H
#define CATALOG_H

#include <stddef.h>

/*
 * catalog_describe - write a one-line description of product @index
 * ("0", "1", ...) into @out, or an error message.  Returns 0 if the
 * product exists, -1 if not.
 */
int catalog_describe(const char *index, char *out, size_t len);

/* catalog_size - how many products the shop sells. */
int catalog_size(void);

#endif
