/*
 * region.h - creating and removing a patch's region inside a stopped
 * target, with injected system calls (rsyscall.h).
 *
 * The region is backed by a memfd named "suture:NAME" and mapped privately
 * from it, part by part with each part's protection: the kernel then shows
 * it in /proc/PID/maps as "/memfd:suture:NAME (deleted)", which is how any
 * later suture finds it, and the descriptor is closed at once so the target
 * keeps no trace of suture but the mappings.
 */
#ifndef SUTURE_APPLY_REGION_H
#define SUTURE_APPLY_REGION_H

#include "apply/record.h"
#include "process/rmem.h"
#include "process/rsyscall.h"
#include "process/session.h"

struct wtrack;

/*
 * region_map - map @parts (offsets from @base) in the target of open
 * session @s, with one batch of system calls through @rs (rbatch.h).  Mappings
 * never replace existing ones: if the range is no longer free, -EEXIST, nothing
 * stays mapped, and the caller may choose another base.  *mapped is set to a
 * bitmask of the parts mapped, for region_unmap_parts on a later failure.
 * @last: nothing else is done in @s, so the thread may go on by itself once
 * the memory is mapped (rbatch_run's release).  @wt: NULL, or a write
 * tracker opened for the process, whose descriptor the same batch makes
 * and hands over (wtrack.h) where it can: w->uffd after.
 */
int region_map(struct session *s, struct rsys *rs, const char *name,
	       uint64_t base, const struct record_part parts[RECORD_NPARTS],
	       bool last, struct wtrack *wt, unsigned *mapped,
	       struct error *err);

/* region_unmap_parts - unmap the parts of @mapped (a bitmask). */
int region_unmap_parts(struct session *s, struct rsys *rs, uint64_t base,
		       const struct record_part parts[RECORD_NPARTS],
		       unsigned mapped, struct error *err);

#endif
