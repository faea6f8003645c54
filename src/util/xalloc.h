/*
 * xalloc.h - allocation that cannot fail.
 *
 * Running out of memory in suture itself is treated as an impossible state:
 * these abort.  Aborting is safe for the target, because suture never leaves
 * the target depending on suture being alive (see docs/DESIGN.md).
 */
#ifndef SUTURE_UTIL_XALLOC_H
#define SUTURE_UTIL_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Free a NULL-terminated array of strings and the array (NULL is fine). */
void strv_free(char **v);

/* Grow *arr (of *cap elements of @size) so that index @need is valid. */
void xgrow(void **arr, size_t *cap, size_t need, size_t size);
#define XGROW(arr, cap, need)                                                  \
	xgrow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

#endif
