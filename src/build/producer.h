/*
 * producer.h - the compiler and flags a binary's DWARF says each of its
 * compilation units was made with (DW_AT_producer), and what two of them
 * tell about why two builds differ.
 */
#ifndef SUTURE_BUILD_PRODUCER_H
#define SUTURE_BUILD_PRODUCER_H

#include <stddef.h>

/* One compilation unit: its DW_AT_name and DW_AT_producer. */
struct producer {
	char *cu;
	char *text;
};

struct producers {
	struct producer *v;
	size_t n;
};

/*
 * producers_read - the producer of every compilation unit of the ELF file
 * at @path that has one.  A file without DWARF (or unreadable) gives none:
 * the caller explains with what it has.
 */
void producers_read(const char *path, struct producers *out);
void producers_free(struct producers *p);

/* producers_find - the producer of the unit called @cu, or NULL. */
const char *producers_find(const struct producers *p, const char *cu);

/*
 * producer_cause - one sentence on the likely cause of a mismatch between
 * code compiled as @target says and as @now says (either may be NULL):
 * another compiler, other flags (naming them), or neither.  Options the
 * compiler wrapper adds are ignored.  A new string.
 */
char *producer_cause(const char *target, const char *now);

#endif
