/*
 * bypass.h - once a patch is live, calls go straight to the new code.
 *
 * A trampoline jumps to its function's gate, which tests the commit byte
 * and then jumps to the new function: that is what makes the switch one
 * byte, safe against suture dying half-way.  But it costs every call of a
 * patched function a second taken jump and a load for good (about 1.5 ns
 * on the benchmark machine, against 0.1-0.2 ns for a jump alone; see
 * bench/).  So once the commit byte is set, each trampoline is aimed at
 * the new function directly, and revert aims it back at the gate before it
 * clears the commit byte.  While the byte is set, the gate and the direct
 * jump lead to the same code, so each of these writes changes nothing the
 * program can see, one at a time, and a suture killed between two of them
 * leaves a consistent patch; every reader of an entry accepts either
 * jump (bypass_entry_is_ours).
 */
#ifndef SUTURE_APPLY_BYPASS_H
#define SUTURE_APPLY_BYPASS_H

#include <stdbool.h>

#include "apply/record.h"
#include "process/rmem.h"
#include "util/error.h"

/*
 * bypass_gates - with @r live, aim each of its entries that jumps to its
 * gate at the new function instead.  Entries that hold anything else (an
 * unfinished replace's switch) are left alone.
 */
int bypass_gates(const struct rmem *mem, const struct record *r,
		 struct error *err);

/*
 * bypass_restore - the reverse, before @r's commit byte is cleared: aim
 * every entry of @r that jumps straight to the new function at the gate.
 */
int bypass_restore(const struct rmem *mem, const struct record *r,
		   struct error *err);

/*
 * bypass_entry_is_ours - whether @have (arch_trampoline_len() bytes at
 * @f's entry) is @f's trampoline: to its gate, or, bypassed, to its new
 * function.
 */
bool bypass_entry_is_ours(const struct record_func *f,
			  const unsigned char *have);

#endif
