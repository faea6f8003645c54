/*
 * lits.c - three string literals side by side.  At -O0 gcc puts them in
 * .rodata, reached as .rodata + offset, the second aligned to 8 (it is
 * longer than 31 bytes) so that padding follows the first; clang puts
 * them in .rodata.str1.1.  lits.diff drops the second: the others must not
 * count as changed.
 */
#include "corner.h"

const char *lit_first(void)
{
	return "first: a short literal";
}

const char *lit_second(void)
{
	return "second: a literal longer than thirty-two bytes";
}

const char *lit_third(void)
{
	return "third";
}
