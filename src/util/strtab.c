/* strtab.c - an ELF string table being built (strtab.h). */
#include <string.h>

#include "util/strtab.h"
#include "util/xalloc.h"

uint32_t strtab_add(struct strtab *t, const char *s)
{
	size_t n = strlen(s) + 1, off = t->len;

	XGROW(t->buf, t->cap, t->len + n);
	memcpy(t->buf + off, s, n);
	t->len += n;
	return (uint32_t)off;
}
