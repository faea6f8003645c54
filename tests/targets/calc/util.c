/*
 * util.c - a second translation unit that inlines clamp_pct() from calc.h,
 * so a change to that header must patch a function here as well.
 */
#include "calc.h"

/* Draw clamp_pct(v) / 10 '#' characters into @out. */
void draw_bar(int v, char *out, size_t len)
{
	int n = clamp_pct(v) / 10;
	size_t i = 0;

	while (n-- > 0 && i + 1 < len)
		out[i++] = '#';
	out[i] = '\0';
}
