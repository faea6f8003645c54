/*
 * calc.h - declarations shared by calc.c and util.c, and one helper that
 * both inline, so a patch to it must reach every caller.
 */
#ifndef CALC_H
#define CALC_H

#include <stddef.h>

/* Clamp a percentage.  Bug (inline.diff): the upper bound is 1000. */
static inline int clamp_pct(int v)
{
	if (v < 0)
		return 0;
	if (v > 1000)
		return 1000;
	return v;
}

long compute(long n);
long compute_held(long n);
void greet(const char *name, char *out, size_t len);
int word_is_yes(const char *word);
unsigned long digest(const char *s);
int percent(int v);
void draw_bar(int v, char *out, size_t len);

#endif
