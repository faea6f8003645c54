/*
 * layout.h - where a patch goes in the target's address space.
 *
 * A patch becomes one region of consecutive pages in three parts:
 *
 *   record  the in-process record (record.h)             PROT_READ
 *   text    code (each function followed by its far-     PROT_READ|EXEC
 *           reference thunks, farref.h), constants, GOT
 *           slots, far-call stubs, TLS slots (tls.h), gates
 *   data    the patch's own variables                    PROT_READ|WRITE
 *
 * The trampolines written over replaced functions are short jumps, and the
 * patch's code reaches the module's functions and variables with 32-bit
 * displacements, so the whole region must lie within a short jump of the
 * whole module.  Libraries further away are reached through a GOT slot or a
 * stub, which is why every external call and GOT reference gets one.
 */
#ifndef SUTURE_APPLY_LAYOUT_H
#define SUTURE_APPLY_LAYOUT_H

#include <stdint.h>

#include "apply/record.h"
#include "apply/tls.h"
#include "patchfile/patch.h"
#include "process/proc.h"

#define LAYOUT_NONE UINT64_MAX

struct layout {
	uint64_t *sec_off;   /* per section: offset from the region base */
	uint64_t *got_off;   /* per symbol: its GOT slot, or LAYOUT_NONE */
	uint64_t *stub_off;  /* per symbol: its far-call stub, or LAYOUT_NONE */
	uint64_t *thunk_off; /* per section: ARCH_THUNK_MAX bytes per
				reference of it that may not reach
				(farref.h), in relocation order, right
				after it; LAYOUT_NONE if it has none */
	uint64_t gates_off;  /* ARCH_GATE_MAX bytes per gate (arch.h): one
				per function of the patch, in function
				order, then those of a replace (replace.h) */
	struct record_part parts[RECORD_NPARTS];
	struct record_span unwind; /* the section ".eh_frame", if any */
	uint64_t size;		   /* bytes of the whole region, page aligned */
	uint64_t extra;		   /* bytes after it that must be free too
				      (a shadow anchor, shadow.h) */
	uint64_t base;		   /* run-time address chosen by layout_place */
	struct tls_layout tls;	   /* slots of thread-local references */
};

/*
 * layout_plan - assign every section, GOT slot and stub of @p an offset in
 * a region whose record part holds @record_bytes, whose text part has room
 * for @ngates gates, and whose data part starts with @data_reserve bytes
 * for suture's own use (hooks.h).  Release with layout_free.
 */
int layout_plan(const struct patch *p, size_t record_bytes, size_t ngates,
		size_t data_reserve, struct layout *l, struct error *err);

/*
 * layout_place - choose l->base in a gap of @maps such that the whole
 * region is within reach of a short jump from all of [@mod_lo, @mod_hi).
 * Gaps just below the module are preferred: the heap grows upwards from the
 * end of an executable and must keep its room.  @pid is for messages.
 */
int layout_place(struct layout *l, const struct proc_maps *maps,
		 uint64_t mod_lo, uint64_t mod_hi, pid_t pid,
		 struct error *err);

/*
 * layout_code_size - bytes of the code of symbol @sym of @p (PSYM_LOCAL):
 * its size, and when it is its section's whole code, that section's thunks
 * too, which run as part of it.
 */
uint64_t layout_code_size(const struct patch *p, const struct layout *l,
			  uint32_t sym);

void layout_free(struct layout *l);

#endif
