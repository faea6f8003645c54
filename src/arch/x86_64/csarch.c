/*
 * csarch.c - the architectures of capstone suture does not decode, left
 * out of the link.
 *
 * suture links capstone's static library rather than its shared one.
 * The shared library holds the tables of every architecture capstone
 * knows, with about 77,000 relocations the dynamic linker applies, and
 * 350 pages they dirty, at the start of every command: 1.2 ms of CPU of a
 * 4 ms apply, and of every compile `suture build` wraps.  Its static
 * library's only links to the other architectures are these entry
 * points, which cs_open() and cs_option() call through per-architecture
 * tables: defined here, they keep the linker from pulling in those
 * architectures' objects, and x86's tables need about 2,000 relocations.
 * Asking capstone for another architecture gets CS_ERR_ARCH, as a
 * capstone built without it would answer.  If a capstone version names
 * its entry points otherwise, the linker pulls the objects in again (a
 * slower start, which bench/latency.sh's floors show); if it also reaches
 * an architecture's objects by another name, the link fails on the
 * duplicate definitions.  Neither decodes anything differently.
 */
#include <capstone/capstone.h>

struct cs_struct; /* capstone's handle, opaque outside the library */

#define CS_ARCH_LEFT_OUT(name)                                                 \
	cs_err name##_global_init(struct cs_struct *ud);                       \
	cs_err name##_global_init(struct cs_struct *ud)                        \
	{                                                                      \
		return CS_ERR_ARCH;                                            \
	}                                                                      \
	cs_err name##_option(struct cs_struct *h, cs_opt_type t, size_t v);    \
	cs_err name##_option(struct cs_struct *h, cs_opt_type t, size_t v)     \
	{                                                                      \
		return CS_ERR_ARCH;                                            \
	}

CS_ARCH_LEFT_OUT(AArch64)
CS_ARCH_LEFT_OUT(ARM)
CS_ARCH_LEFT_OUT(EVM)
CS_ARCH_LEFT_OUT(M680X)
CS_ARCH_LEFT_OUT(M68K)
CS_ARCH_LEFT_OUT(Mips)
CS_ARCH_LEFT_OUT(PPC)
CS_ARCH_LEFT_OUT(Sparc)
CS_ARCH_LEFT_OUT(SystemZ)
CS_ARCH_LEFT_OUT(TMS320C64x)
CS_ARCH_LEFT_OUT(XCore)
