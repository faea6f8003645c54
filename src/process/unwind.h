/*
 * unwind.h - the call-frame information of patch code, given to libdwfl.
 *
 * A patch carries the .eh_frame of its functions (src/build/ehframe.h);
 * apply places it in the region's code part and the record says where
 * (apply/record.h: unwind); the caller passes that here as plain data
 * (struct unwind_region).  libdwfl knows a region only as a module named
 * "/memfd:suture:NAME (deleted)" without an ELF file, so it cannot unwind
 * through it.  An unwind image is a small ELF file made in suture's memory
 * that describes the region as libdwfl wants to see it: one PT_LOAD over
 * the whole region, and a section .eh_frame at the address where that
 * table is in the process, holding a copy of its bytes.  Its FDEs encode
 * code addresses relative to their own position, so the copy describes
 * the process's code exactly.
 */
#ifndef SUTURE_PROCESS_UNWIND_H
#define SUTURE_PROCESS_UNWIND_H

#include <stddef.h>
#include <stdint.h>

#include "process/rmem.h"
#include "util/error.h"

/* Prefix of the names libdwfl gives the modules of suture's regions. */
#define UNWIND_MODULE_PREFIX "/memfd:suture:"

struct unwind_image {
	uint64_t base;	    /* run-time address of the region */
	unsigned char *elf; /* the ELF file, len bytes */
	size_t len;
};

/* A region with call-frame information: where it is, where its .eh_frame
 * is in it, and its name for messages. */
struct unwind_region {
	uint64_t base, size;
	uint64_t eh_offset, eh_size; /* from base */
	const char *name;
};

/*
 * unwind_image_make - the unwind image of region @r, its .eh_frame read
 * through @mem.  -ENOENT if the region has none; another
 * negative errno if it cannot be read.  Release with unwind_image_free.
 */
int unwind_image_make(const struct unwind_region *r, const struct rmem *mem,
		      struct unwind_image *img, struct error *err);

void unwind_image_free(struct unwind_image *img);

#endif
