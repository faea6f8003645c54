/*
 * lines.c - constants that happen to be numbers of blank or "}" lines, and
 * assert()s below the place where diffs insert lines (t-lineonly):
 *
 *   lucky N  -> 1 if N is the lucky number, else 0
 *   brace N  -> 1 if N is the brace number, else 0
 *   twice N  -> 2 (N + 1), asserting N >= 0 in an inlined helper
 *   thrice N -> 3 (N + 1), the same, and N < 1000
 *   mul N    -> 7 N, asserting N != 9; half N -> N / 2 (lines.h)
 *   word     -> a word
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"

__attribute__((noinline)) int lucky(int n)
{
	return n == 33;
}

__attribute__((noinline)) int brace(int n)
{
	return n == 38;
}

__attribute__((noinline)) const char *word(void)
{
	return "plain";
}

static int check_pos(int n)
{
	assert(n >= 0);
	return n + 1;
}

__attribute__((noinline)) int twice(int n)
{
	return 2 * check_pos(n);
}

__attribute__((noinline)) int thrice(int n)
{
	assert(n < 1000);
	return 3 * check_pos(n);
}

__attribute__((noinline)) int mul(int n)
{
	assert(n != 9);
	return 7 * n;
}

int service_handle(const char *req, char *reply, size_t len)
{
	int n = atoi(req + strcspn(req, " "));

	if (!strncmp(req, "lucky ", 6))
		snprintf(reply, len, "%d", lucky(n));
	else if (!strncmp(req, "brace ", 6))
		snprintf(reply, len, "%d", brace(n));
	else if (!strncmp(req, "twice ", 6))
		snprintf(reply, len, "%d", twice(n));
	else if (!strncmp(req, "thrice ", 7))
		snprintf(reply, len, "%d", thrice(n));
	else if (!strncmp(req, "mul ", 4))
		snprintf(reply, len, "%d", mul(n));
	else if (!strcmp(req, "word"))
		snprintf(reply, len, "%s", word());
	else if (!strncmp(req, "half ", 5)) /* asserts N >= 0 (lines.h) */
		snprintf(reply, len, "%d", half(n));
	else
		return -1;
	return 0;
}
