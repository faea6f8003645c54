/*
 * tls.c - x86-64 thread-local storage: which access each relocation type
 * makes, TLS variant II offsets and the static TLS descriptor function
 * ("ELF Handling For Thread-Local Storage", x86-64 psABI 4.4 and the
 * TLSDESC proposal, "Thread-Local Storage Descriptors for IA32 and
 * AMD64/EM64T").
 */
#include <elf.h>
#include <string.h>

#include "arch/arch.h"

enum arch_tls_form arch_reloc_tls(uint32_t type)
{
	switch (type) {
	case R_X86_64_GOTTPOFF:
		return ARCH_TLS_GOTTPOFF;
	case R_X86_64_TLSGD:
		return ARCH_TLS_GD;
	case R_X86_64_TLSLD:
		return ARCH_TLS_LD;
	case R_X86_64_DTPOFF32:
	case R_X86_64_DTPOFF64:
		return ARCH_TLS_DTPOFF;
	case R_X86_64_GOTPC32_TLSDESC:
		return ARCH_TLS_DESC;
	case R_X86_64_TLSDESC_CALL:
		return ARCH_TLS_DESC_CALL;
	}
	return ARCH_TLS_TPOFF; /* R_X86_64_TPOFF32 */
}

int64_t arch_tls_tpoff(uint64_t block_offset, uint64_t off)
{
	return (int64_t)(off - block_offset);
}

/* glibc's NO_TLS_OFFSET (0) and FORCED_DYNAMIC_TLS_OFFSET (-1) for TLS
 * variant II, where a static block's offset is positive. */
bool arch_tls_offset_static(uint64_t block_offset)
{
	return block_offset != 0 && block_offset != UINT64_MAX;
}

/*
 * The descriptor function is called with %rax pointing at the descriptor
 * and must preserve every other register: `mov 8(%rax),%rax; ret`, the
 * same as glibc's _dl_tlsdesc_return, after an endbr64 for indirect-branch
 * tracking.
 */
static const unsigned char tlsdesc_static[] = {
    0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0x8b, 0x40, 0x08, 0xc3,
};

size_t arch_tlsdesc_static_fn(unsigned char *buf)
{
	memcpy(buf, tlsdesc_static, sizeof(tlsdesc_static));
	return sizeof(tlsdesc_static);
}
