/*
 * shadow.h - the table of shadow data (include/suture.h) a process shares
 * between its patches.
 *
 * The table's state lives in one page, the anchor: a memfd mapping called
 * "suture:~shadow" (no patch name starts with '~'), which the runtime in
 * suture.h reaches through the weak symbol __suture_shadow_state that
 * apply resolves.  The first patch that uses shadow data gets the anchor
 * mapped right behind its region; later ones find it by name.  A patch's
 * record keeps the anchor's address, and the revert of the last patch that
 * used it unmaps it if the table is empty (its data was freed, by a
 * post-revert hook with suture_shadow_free_all, say).  If suture dies after
 * mapping the anchor and before the patch is live, the empty page stays,
 * and the next patch that wants one uses it.
 */
#ifndef SUTURE_APPLY_SHADOW_H
#define SUTURE_APPLY_SHADOW_H

#include "apply/record.h"
#include "apply/state.h"
#include "process/proc.h"
#include "process/rsyscall.h"

/* shadow_wanted - whether @p uses shadow data (refers to the state). */
bool shadow_wanted(const struct patch *p);

/* shadow_find - the anchor of the process whose map is @maps, or 0. */
uint64_t shadow_find(const struct proc_maps *maps);

/* shadow_resolve - set the address of @p's reference to the state. */
void shadow_resolve(const struct patch *p, uint64_t *addrs, uint64_t at);

/* shadow_map - map a new anchor page at @at; -EEXIST if the range was
 * taken meanwhile. */
int shadow_map(struct session *s, struct rsys *rs, uint64_t at,
	       struct error *err);

/* shadow_unmap - unmap the anchor at @at. */
int shadow_unmap(struct session *s, struct rsys *rs, uint64_t at,
		 struct error *err);

/* shadow_held - the bytes the table at @anchor holds mapped for shadow
 * data and itself (0: none in use). */
int shadow_held(const struct rmem *mem, uint64_t anchor, uint64_t *bytes);

/*
 * shadow_idle - whether the anchor that patch @gone used can go: no other
 * live patch of @st uses it and the table holds no memory.
 */
bool shadow_idle(const struct state *st, const struct record *gone,
		 const struct rmem *mem);

#endif
