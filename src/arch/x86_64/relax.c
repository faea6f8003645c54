/*
 * relax.c - which bytes around a relocated field the x86-64 linker may
 * rewrite.  ld and lld relax GOT loads into direct `lea`, indirect calls
 * through the GOT into direct calls, and TLS access sequences into cheaper
 * models; the rewritten opcode bytes sit before the field (and for the TLS
 * general-dynamic sequence, after it).  Sizes follow the psABI's relaxation
 * tables (x86-64 psABI, appendix B, and "ELF Handling For Thread-Local
 * Storage", section 11.2).
 */
#include <elf.h>

#include "arch/arch.h"

void arch_reloc_linker_span(uint32_t type, size_t *before, size_t *after)
{
	*before = 0;
	*after = 0;
	switch (type) {
	case R_X86_64_GOTPCRELX:
		/* call *foo@GOTPCREL(%rip) -> addr32 call foo: ff 15 */
		*before = 2;
		break;
	case R_X86_64_REX_GOTPCRELX:
	case R_X86_64_GOTTPOFF:
		/* REX + opcode + ModRM: mov -> lea / mov $imm */
		*before = 3;
		break;
	case R_X86_64_TLSGD:
		/* data16 lea x@tlsgd(%rip),%rdi; data16 data16 rex64 call */
		*before = 4;
		*after = 8;
		break;
	case R_X86_64_TLSLD:
		/* lea x@tlsld(%rip),%rdi; call __tls_get_addr */
		*before = 3;
		*after = 5;
		break;
	case R_X86_64_GOTPC32_TLSDESC:
		/* lea x@tlsdesc(%rip),%rax -> mov $x@tpoff,%rax */
		*before = 3;
		break;
	case R_X86_64_TLSDESC_CALL:
		/* call *x@tlscall(%rax) (ff 10) -> xchg %ax,%ax */
		*after = 2;
		break;
	}
}
