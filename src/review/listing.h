/*
 * listing.h - a function's machine code as lines a reviewer can compare.
 *
 * The old code comes from the target binary, linked: its branches and
 * pc-relative operands hold addresses.  The new code comes from the patch,
 * not linked: the same operands hold relocations.  Both are written with
 * symbols instead ("call compute", "mov counter(%rip), %eax", a jump inside
 * the function as "<+0x1c>"), so the two listings differ only where the
 * code does.
 */
#ifndef SUTURE_REVIEW_LISTING_H
#define SUTURE_REVIEW_LISTING_H

#include <stddef.h>
#include <stdint.h>

#include "build/target.h"
#include "patchfile/patch.h"

struct listing {
	char **lines;	/* the text of each instruction ("jmp <+0x40>") */
	uint64_t *offs; /* each line's offset in the function */
	size_t n;
};

/* listing_old - function [@addr, @addr + @size) of target @t; -ENOENT if
 * the file has no bytes there. */
int listing_old(const struct target *t, uint64_t addr, uint64_t size,
		struct listing *l);

/* listing_new - patch symbol @sym (a function of the patch) of @p. */
int listing_new(const struct patch *p, uint32_t sym, struct listing *l);

void listing_free(struct listing *l);

#endif
