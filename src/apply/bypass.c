/* bypass.c - trampolines straight to the new code while live (bypass.h). */
#include <string.h>

#include "apply/bypass.h"
#include "arch/arch.h"
#include "util/fault.h"

bool bypass_entry_is_ours(const struct record_func *f,
			  const unsigned char *have)
{
	return arch_trampoline_is(have, f->entry, record_func_jump(f)) ||
	       arch_trampoline_is(have, f->entry, f->new_addr);
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
		if (!arch_trampoline_is(have, f->entry, from) ||
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
