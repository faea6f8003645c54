/* tiny.h - functions shorter than a 5-byte jump (tiny.c, packed.c, last.c). */
#ifndef TINY_H
#define TINY_H

extern volatile int tiny_count; /* what t1 and t2 add to */

void t1(void);	 /* 1 byte: ret */
void t2(void);	 /* 2 bytes: jmp rel8 to a helper adding 1 */
void t2_alt(void);
int t3(int x);	 /* 3 bytes: mov %edi,%eax; ret */
int t4(int x);	 /* 4 bytes: lea 1(%rdi),%eax; ret */
int n3(int x);	 /* 3 bytes, another function right after it */
int n3_next(int x);
int tlast(int x); /* 3 bytes, the last code of .text */

#endif
