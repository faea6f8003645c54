/* strtab.h - an ELF string table being built (for libelf to write). */
#ifndef SUTURE_UTIL_STRTAB_H
#define SUTURE_UTIL_STRTAB_H

#include <stddef.h>
#include <stdint.h>

struct strtab {
	char *buf;
	size_t len, cap;
};

/* strtab_add - append @s with its NUL; returns its offset. */
uint32_t strtab_add(struct strtab *t, const char *s);

#endif
