/*
 * producer.c - DW_AT_producer: which compiler and flags made each unit.
 *
 * gcc writes its version and the code-generating options into every
 * compilation unit ("GNU C17 12.2.0 -mtune=generic -march=x86-64 -g -O2");
 * clang writes only its version unless -grecord-command-line is given.
 * Neither records preprocessor options (-D, -I).  When the rebuilt
 * original does not match the target, comparing the target's producer
 * strings with the rebuild's usually names the cause in one line.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/producer.h"
#include "util/xalloc.h"

/* Options the compiler wrapper adds to every compile (ccwrap.c): not a
 * difference between the builds.  A trailing '=' matches any value. */
static const char *const wrapper_options[] = {
    "-ffunction-sections", "-fdata-sections",	  "-ffile-prefix-map=",
    "-fdebug-prefix-map=", "-fmacro-prefix-map=",
};

static void producers_add(struct producers *p, const char *cu, const char *text)
{
	p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
	p->v[p->n].cu = xstrdup(cu ? cu : "");
	p->v[p->n++].text = xstrdup(text);
}

void producers_read(const char *path, struct producers *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Dwarf *dw = fd >= 0 ? dwarf_begin(fd, DWARF_C_READ) : NULL;
	Dwarf_Off off = 0, next;
	size_t hsize;

	memset(out, 0, sizeof(*out));
	while (dw &&
	       dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die die;
		Dwarf_Attribute at;
		const char *text;

		if (dwarf_offdie(dw, off + hsize, &die) &&
		    (text = dwarf_formstring(
			 dwarf_attr(&die, DW_AT_producer, &at))))
			producers_add(out, dwarf_diename(&die), text);
		off = next;
	}
	if (dw)
		dwarf_end(dw);
	if (fd >= 0)
		close(fd);
}

void producers_free(struct producers *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].cu);
		free(p->v[i].text);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

const char *producers_find(const struct producers *p, const char *cu)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].cu, cu))
			return p->v[i].text;
	return NULL;
}

/* The compiler part of a producer: everything before the first option. */
static size_t producer_ident_len(const char *s)
{
	const char *opt = strstr(s, " -");

	return opt ? (size_t)(opt - s) : strlen(s);
}

static bool producer_is_wrapper_option(const char *tok, size_t len)
{
	for (size_t i = 0;
	     i < sizeof(wrapper_options) / sizeof(*wrapper_options); i++) {
		const char *w = wrapper_options[i];
		size_t wl = strlen(w);

		if (w[wl - 1] == '=' ? len >= wl && !strncmp(tok, w, wl)
				     : len == wl && !strncmp(tok, w, wl))
			return true;
	}
	return false;
}

/* Whether option @tok (@len bytes) is among the options of @s. */
static bool producer_has(const char *s, const char *tok, size_t len)
{
	for (const char *p = s + producer_ident_len(s); *p;) {
		size_t n;

		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (n == len && !strncmp(p, tok, len))
			return true;
		p += n;
	}
	return false;
}

/* Append to @f the options of @a that @b lacks; returns how many. */
static size_t producer_only_in(FILE *f, const char *a, const char *b)
{
	size_t count = 0;

	for (const char *p = a + producer_ident_len(a); *p;) {
		size_t n;

		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (n && !producer_is_wrapper_option(p, n) &&
		    !producer_has(b, p, n)) {
			fprintf(f, " %.*s", (int)n, p);
			count++;
		}
		p += n;
	}
	return count;
}

/* The flags part of the cause, or NULL when the flags are the same. */
static char *producer_flags_cause(const char *target, const char *now)
{
	char *buf = NULL;
	size_t len = 0, n;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("other compiler flags: only in the target:", f);
	n = producer_only_in(f, target, now);
	fputs("; only in the rebuild:", f);
	n += producer_only_in(f, now, target);
	fclose(f);
	if (n)
		return buf;
	free(buf);
	return NULL;
}

char *producer_cause(const char *target, const char *now)
{
	size_t tl, nl;
	char *flags;

	if (!target || !now)
		return xasprintf("%s has no DWARF producer string, so the "
				 "compiler and flags it was made with are not "
				 "recorded",
				 !target ? "the target" : "the rebuild");
	tl = producer_ident_len(target);
	nl = producer_ident_len(now);
	if (tl != nl || strncmp(target, now, tl))
		return xasprintf("another compiler: the target was compiled "
				 "by \"%.*s\", the rebuild by \"%.*s\"",
				 (int)tl, target, (int)nl, now);
	if ((flags = producer_flags_cause(target, now)))
		return flags;
	if (!target[tl])
		return xasprintf("the same compiler (\"%s\"), but it records "
				 "no flags in DWARF (clang does only with "
				 "-grecord-command-line): check the -O, -f "
				 "and -D options",
				 target);
	return xstrdup("the same compiler and code-generation flags as "
		       "DWARF records them, so the difference is elsewhere: "
		       "a -D or other preprocessor option (not recorded in "
		       "DWARF), a header that changed, or other sources");
}
