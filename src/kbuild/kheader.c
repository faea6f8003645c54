/*
 * kheader.c - include/suture-klp.h, built into the suture binary: kmake.c
 * writes it as <suture.h> on the include path of both kernel builds, so
 * that a kernel diff uses the very header of this suture.
 */
#include "kbuild/kbuild.h"

__asm__(".section .rodata\n"
	".global suture_klp_h_text\n"
	"suture_klp_h_text:\n"
	".incbin \"include/suture-klp.h\"\n"
	".byte 0\n"
	".previous\n");
