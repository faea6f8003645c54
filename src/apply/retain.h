/*
 * retain.h - unmapping a patch's region only when the program can no
 * longer use it.
 *
 * Once a region is switched off (reverted, replaced, or left by an
 * interrupted suture), no new call enters it: every entry has its bytes
 * back.  But a coroutine suspended in its code, a callback pointer to one
 * of its new functions, or a pointer to one of its new strings may still
 * lead into it, and unmapping it would crash the program later.  So,
 * with every thread stopped, the process is scanned for references
 * (refscan.h) to each region about to go: one nothing refers to is
 * unmapped, one something refers to is kept mapped, inactive, and marked
 * as retained in the process (its record's retained byte, and a note of
 * what the scan found).  A retained region is checked again by every
 * later revert and by `suture gc`, and unmapped once nothing refers to it.
 * A suture killed before the mark leaves a region switched off and not
 * marked: a leftover, which the next command scans the same way.
 */
#ifndef SUTURE_APPLY_RETAIN_H
#define SUTURE_APPLY_RETAIN_H

#include "apply/record.h"
#include "apply/rsyscall.h"
#include "apply/session.h"

/*
 * retain_check - with every thread of @s stopped: scan for references to
 * the regions @r[0..n) and mark each one something refers to as retained
 * (keep[i] true, r[i]->retain filled in).  On failure nothing is known:
 * the caller keeps every region mapped.
 */
int retain_check(struct session *s, const struct rmem *mem,
		 struct record *const *r, size_t n, bool *keep,
		 struct error *err);

/* retain_unmap - unmap region @r, whole, through @rs. */
int retain_unmap(struct session *s, struct rsys *rs, const struct record *r,
		 struct error *err);

/*
 * retain_release - retain_check, then unmap the regions nothing refers
 * to, through @rs.  *kept (if not NULL) gets how many stayed.
 */
int retain_release(struct session *s, struct rsys *rs, const struct rmem *mem,
		   struct record *const *r, size_t n, size_t *kept,
		   struct error *err);

/*
 * retain_entries - with every thread of @s stopped, before apply writes
 * the trampolines of @rec: -EAGAIN if a word in the process's memory
 * points into the bytes a trampoline overwrites, past a function's first
 * byte (a context saved there, a coroutine's return address, would resume
 * in the middle of the jump), naming the function and where the word is.
 */
int retain_entries(struct session *s, const struct rmem *mem,
		   const struct record *rec, struct error *err);

#endif
