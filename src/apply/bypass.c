/* bypass.c - trampolines straight to the new code while live (bypass.h). */
#include <string.h>

#include "apply/bypass.h"
#include "arch/arch.h"
#include "util/fault.h"

/* Whether @have is a trampoline at @f's entry to @to. */
static bool jumps_to(const struct record_func *f, const unsigned char *have,
		     uint64_t to)
{
	unsigned char want[ARCH_TRAMPOLINE_MAX];

	return !arch_trampoline_write(want, f->entry, to) &&
	       !memcmp(want, have, arch_trampoline_len());
}

bool bypass_entry_is_ours(const struct record_func *f,
			  const unsigned char *have)
{
	return jumps_to(f, have, record_func_jump(f)) ||
	       jumps_to(f, have, f->new_addr);
}

/* Aim every gated entry of @r that jumps to its gate at its new function,
 * or, @to_gate, the other way round. */
static int retarget(const struct rmem *mem, const struct record *r,
		    bool to_gate, struct error *err)
{
	unsigned char have[ARCH_TRAMPOLINE_MAX], jmp[ARCH_TRAMPOLINE_MAX];
	size_t len = arch_trampoline_len();
	int ret;

	for (size_t i = 0; i < r->nfuncs; i++) {
		const struct record_func *f = &r->funcs[i];
		uint64_t from = to_gate ? f->new_addr : f->gate;
		uint64_t to = to_gate ? f->gate : f->new_addr;

		if ((f->flags & PFUNC_PART) || !f->gate)
			continue;
		if ((ret = rmem_read(mem, f->entry, have, len, err)))
			return ret;
		if (!jumps_to(f, have, from) ||
		    arch_trampoline_write(jmp, f->entry, to) < 0)
			continue;
		if ((ret = rmem_write(mem, f->entry, jmp, len, err)))
			return ret;
		fault_point(to_gate ? "gate restored" : "gate bypassed");
	}
	return 0;
}

int bypass_gates(const struct rmem *mem, const struct record *r,
		 struct error *err)
{
	return retarget(mem, r, false, err);
}

int bypass_restore(const struct rmem *mem, const struct record *r,
		   struct error *err)
{
	return retarget(mem, r, true, err);
}
