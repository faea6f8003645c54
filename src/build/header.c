/*
 * header.c - include/suture.h, built into the suture binary, so that every
 * build `suture build` runs (in a root file system too) finds the very
 * header of this suture, wherever suture is installed (run.c).
 */
#include "build/pipeline.h"

__asm__(".section .rodata\n"
	".global suture_h_text\n"
	"suture_h_text:\n"
	".incbin \"include/suture.h\"\n"
	".byte 0\n"
	".previous\n");
