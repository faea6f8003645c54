/*
 * ehframe.h - the call-frame information (.eh_frame) that patch code
 * brings along, so that a thread stopped inside or below it can be
 * unwound like one in the program's own code (process/safety.h).
 */
#ifndef SUTURE_BUILD_EHFRAME_H
#define SUTURE_BUILD_EHFRAME_H

#include <stddef.h>
#include <stdint.h>

#include "build/objfile.h"
#include "build/pbuild.h"

/* A code section copied into the patch: section @shndx of @o became patch
 * section @psec. */
struct ehframe_code {
	const struct objfile *o;
	uint32_t shndx;
	uint32_t psec;
};

/*
 * ehframe_emit - add a section ".eh_frame" to the patch being built in @b
 * holding, for each of the @n code sections, the FDEs the compiler wrote
 * for it and the CIEs they use, their code addresses relocated against
 * the patch's own sections.  An FDE or CIE that needs more than that
 * (a personality routine, an LSDA, 64-bit DWARF) is left out: that code
 * has no CFI in the patch, and the safety check scans the stack of a
 * thread stopped in it.  Returns how many FDEs were copied (0: no section
 * was added).
 */
size_t ehframe_emit(struct pbuild *b, const struct ehframe_code *code,
		    size_t n);

#endif
