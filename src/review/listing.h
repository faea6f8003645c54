/*
 * listing.h - a function's machine code as lines a reviewer can compare.
 *
 * The old code comes from the target binary, linked: its branches and
 * pc-relative operands hold addresses.  The new code comes from the patch,
 * not linked: the same operands hold relocations.  Both are written with
 * symbols instead ("call compute", "mov counter(%rip), %eax", a jump inside
 * the function as "<+0x1c>"), so the two listings differ only where the
 * code does.  `suture drift` lists code read from a process the same way,
 * with its own namer (listing_code).
 */
#ifndef SUTURE_REVIEW_LISTING_H
#define SUTURE_REVIEW_LISTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "build/target.h"
#include "patchfile/patch.h"

struct listing {
	char **lines;	/* the text of each instruction ("jmp <+0x40>") */
	uint64_t *offs; /* each line's offset in the function */
	size_t n;
};

/* How a listing names an address that code refers to outside itself;
 * @branch: a jump or call's target, else a memory operand's. */
struct listing_namer {
	void (*name)(const void *ctx, uint64_t addr, bool branch, char *buf,
		     size_t len);
	const void *ctx;
};

/*
 * listing_code - the listing of @size bytes of code at @code, which lie at
 * address @addr: jumps inside it written as "<+off>", every other address
 * an instruction refers to as @nm names it.  -ENOENT if @code is NULL or
 * cannot be decoded.
 */
int listing_code(const unsigned char *code, uint64_t size, uint64_t addr,
		 const struct listing_namer *nm, struct listing *l);

/* listing_name_in - link-time address @addr of @t as a listing writes it:
 * "name", "name+0x10", a GOT slot as "name@got", a PLT entry's function,
 * a string literal as "text", or "<anon>". */
void listing_name_in(const struct target *t, uint64_t addr, char *buf,
		     size_t len);

/* listing_literal - the string at @s (@len bytes readable) as "text" into
 * @buf; false unless it is a short printable NUL-terminated string.  Both
 * listings show literals so, as their addresses differ by nature. */
bool listing_literal(const unsigned char *s, size_t len, char *buf,
		     size_t size);

/* listing_old - function [@addr, @addr + @size) of target @t; -ENOENT if
 * the file has no bytes there. */
int listing_old(const struct target *t, uint64_t addr, uint64_t size,
		struct listing *l);

/* listing_new - patch symbol @sym (a function of the patch) of @p. */
int listing_new(const struct patch *p, uint32_t sym, struct listing *l);

void listing_free(struct listing *l);

#endif
