/*
 * backjump.c - count_up(N), in assembly as no compiler would write it: its
 * loop branches back to its third byte, inside the five bytes a patch's
 * jump overwrites, and a byte no x86-64 decoder takes (0x06, push %es,
 * invalid in 64-bit mode) lies before that branch, jumped over.  A gate
 * for it (the way to the old code while a patch is not committed) would
 * run the old code with the jump in place: the branch would land in the
 * middle of the jump.  fix.diff changes its step (inc -> add $2).
 *
 *   count N  -> count_up(N): from 0 by steps of 1 (of 2 after fix.diff)
 *               until it reaches N: N for N >= 1 (after the fix, the
 *               even number N or N + 1)
 */
#include <stdio.h>
#include <string.h>

#include "server.h"

/* (gives the object debug information, which suture build wants) */
const int backjump_version = 1;

int count_up(int n);

__asm__("	.text\n"
	"	.p2align 4\n"
	"	.globl count_up\n"
	"	.type count_up, @function\n"
	"count_up:\n"
	"	xor %eax, %eax\n"	/* 2 bytes */
	"1:	add $0, %eax\n"		/* 3 bytes, at count_up + 2 */
	"	inc %eax\n"
	"	jmp 2f\n"
	"	.byte 0x06\n"
	"2:	cmp %edi, %eax\n"
	"	jl 1b\n"
	"	ret\n"
	"	.size count_up, .-count_up\n");

int service_handle(const char *req, char *reply, size_t len)
{
	int n;

	if (sscanf(req, "count %d", &n) != 1)
		return -1;
	snprintf(reply, len, "%d", count_up(n));
	return 0;
}
