/*
 * refs.c - 3-byte functions followed by padding that something reaches,
 * written in assembly as no compiler would make them:
 *   r_code  an instruction of r_lea points 8 bytes into its padding
 *   r_cfi   its call-frame information (.eh_frame) covers its padding
 *   r_rel   a pointer in r_ptr, a relocation in a PIE or library, points
 *           into its padding
 * code.diff, cfi.diff and rel.diff change one each (mov -> lea 1(%rdi)).
 */

/* (gives the object debug information, which suture build wants) */
const int refs_version = 1;

__asm__("	.text\n"
	"	.p2align 4\n"
	"	.type r_code, @function\n"
	"r_code:\n"
	"	mov %edi, %eax\n"
	"	ret\n"
	"	.size r_code, 3\n"
	"	.p2align 4\n"
	"	.type r_lea, @function\n"
	"r_lea:\n"
	"	lea r_code+8(%rip), %rax\n"
	"	ret\n"
	"	.size r_lea, 8\n"
	"	.p2align 4\n"
	"	.type r_cfi, @function\n"
	"r_cfi:\n"
	"	.cfi_startproc\n"
	"	mov %edi, %eax\n"
	"	ret\n"
	"	.p2align 4\n"
	"	.cfi_endproc\n"
	"	.size r_cfi, 3\n"
	"	.type r_rel, @function\n"
	"r_rel:\n"
	"	mov %edi, %eax\n"
	"	ret\n"
	"	.size r_rel, 3\n"
	"	.p2align 4\n"
	"	.type r_end, @function\n"
	"r_end:\n"
	"	ret\n"
	"	.size r_end, 1\n"
	"	.section .data.rel.ro, \"aw\"\n"
	"	.p2align 3\n"
	"	.type r_ptr, @object\n"
	"r_ptr:\n"
	"	.quad r_rel + 8\n"
	"	.size r_ptr, 8\n"
	"	.text\n");
