/*
 * reloc.c - x86-64 relocation types: which ones a patch may use and how each
 * is computed (System V x86-64 psABI, section 4.4).  IFUNC-related types
 * are refused.  Thread-local storage types are computed here from the
 * value apply/tls.c chooses for them (arch_reloc_tls() says which).
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "arch/arch.h"

static const struct {
	uint32_t type;
	const char *name;
	enum arch_reloc_class class;
	bool pcrel;
} reloc_types[] = {
    {R_X86_64_NONE, "R_X86_64_NONE", ARCH_RELOC_NONE, false},
    {R_X86_64_64, "R_X86_64_64", ARCH_RELOC_DIRECT, false},
    {R_X86_64_PC32, "R_X86_64_PC32", ARCH_RELOC_DIRECT, true},
    {R_X86_64_PLT32, "R_X86_64_PLT32", ARCH_RELOC_CALL, true},
    {R_X86_64_GOTPCREL, "R_X86_64_GOTPCREL", ARCH_RELOC_GOT, true},
    {R_X86_64_32, "R_X86_64_32", ARCH_RELOC_DIRECT, false},
    {R_X86_64_32S, "R_X86_64_32S", ARCH_RELOC_DIRECT, false},
    {R_X86_64_PC64, "R_X86_64_PC64", ARCH_RELOC_DIRECT, true},
    {R_X86_64_GOTPCRELX, "R_X86_64_GOTPCRELX", ARCH_RELOC_GOT, true},
    {R_X86_64_REX_GOTPCRELX, "R_X86_64_REX_GOTPCRELX", ARCH_RELOC_GOT, true},
    {R_X86_64_TPOFF32, "R_X86_64_TPOFF32", ARCH_RELOC_TLS, false},
    {R_X86_64_GOTTPOFF, "R_X86_64_GOTTPOFF", ARCH_RELOC_TLS, true},
    {R_X86_64_TLSGD, "R_X86_64_TLSGD", ARCH_RELOC_TLS, true},
    {R_X86_64_TLSLD, "R_X86_64_TLSLD", ARCH_RELOC_TLS, true},
    {R_X86_64_DTPOFF32, "R_X86_64_DTPOFF32", ARCH_RELOC_TLS, false},
    {R_X86_64_DTPOFF64, "R_X86_64_DTPOFF64", ARCH_RELOC_TLS, false},
    {R_X86_64_GOTPC32_TLSDESC, "R_X86_64_GOTPC32_TLSDESC", ARCH_RELOC_TLS,
     true},
    {R_X86_64_TLSDESC_CALL, "R_X86_64_TLSDESC_CALL", ARCH_RELOC_TLS, false},
};

static int find(uint32_t type)
{
	for (size_t i = 0; i < sizeof(reloc_types) / sizeof(*reloc_types); i++)
		if (reloc_types[i].type == type)
			return (int)i;
	return -1;
}

enum arch_reloc_class arch_reloc_class(uint32_t type)
{
	int i = find(type);

	return i < 0 ? ARCH_RELOC_UNSUPPORTED : reloc_types[i].class;
}

const char *arch_reloc_name(uint32_t type)
{
	int i = find(type);

	return i < 0 ? "unknown x86-64 relocation" : reloc_types[i].name;
}

size_t arch_reloc_width(uint32_t type)
{
	switch (type) {
	case R_X86_64_NONE:
	case R_X86_64_TLSDESC_CALL: /* a marker on the call, no field */
		return 0;
	case R_X86_64_64:
	case R_X86_64_PC64:
	case R_X86_64_DTPOFF64:
		return 8;
	}
	return find(type) < 0 ? 0 : 4;
}

bool arch_reloc_pcrel(uint32_t type)
{
	int i = find(type);

	return i >= 0 && reloc_types[i].pcrel;
}

/* Store @v in a 32-bit field, checking that it fits as @is_signed says. */
static int put32(unsigned char *loc, int64_t v, bool is_signed, uint32_t type,
		 struct error *err)
{
	bool fits = is_signed ? (v >= INT32_MIN && v <= INT32_MAX)
			      : ((uint64_t)v <= UINT32_MAX);
	uint32_t w = (uint32_t)v;

	if (!fits)
		return error_set(err, -ERANGE,
				 "%s value %#" PRIx64
				 " does not fit in 32 bits",
				 arch_reloc_name(type), (uint64_t)v);
	memcpy(loc, &w, sizeof(w));
	return 0;
}

int arch_reloc_apply(uint32_t type, unsigned char *loc, uint64_t place,
		     uint64_t value, int64_t addend, struct error *err)
{
	uint64_t s_a = value + (uint64_t)addend;

	switch (type) {
	case R_X86_64_NONE:
	case R_X86_64_TLSDESC_CALL:
		return 0;
	case R_X86_64_64:
	case R_X86_64_DTPOFF64:
		memcpy(loc, &s_a, sizeof(s_a));
		return 0;
	case R_X86_64_PC64: {
		uint64_t v = s_a - place;
		memcpy(loc, &v, sizeof(v));
		return 0;
	}
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
	case R_X86_64_GOTPCREL:
	case R_X86_64_GOTPCRELX:
	case R_X86_64_REX_GOTPCRELX:
	case R_X86_64_GOTTPOFF:
	case R_X86_64_TLSGD:
	case R_X86_64_TLSLD:
	case R_X86_64_GOTPC32_TLSDESC:
		return put32(loc, (int64_t)(s_a - place), true, type, err);
	case R_X86_64_TPOFF32:
	case R_X86_64_DTPOFF32:
		return put32(loc, (int64_t)s_a, true, type, err);
	case R_X86_64_32:
		return put32(loc, (int64_t)s_a, false, type, err);
	case R_X86_64_32S:
		return put32(loc, (int64_t)s_a, true, type, err);
	}
	return error_set(err, -ENOTSUP, "relocation type %s (%u) not supported",
			 arch_reloc_name(type), type);
}

bool arch_reloc_read(uint32_t type, const unsigned char *loc, uint64_t place,
		     uint64_t *s_a)
{
	int32_t v32;
	uint32_t u32;

	switch (type) {
	case R_X86_64_PC32:
		memcpy(&v32, loc, 4);
		*s_a = place + (uint64_t)(int64_t)v32;
		return true;
	case R_X86_64_32:
		memcpy(&u32, loc, 4);
		*s_a = u32;
		return true;
	case R_X86_64_32S:
		memcpy(&v32, loc, 4);
		*s_a = (uint64_t)(int64_t)v32;
		return true;
	}
	return false;
}
