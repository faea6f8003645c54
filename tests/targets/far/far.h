/*
 * far.h - libfar.so, "another module" whose data the far tests' patch
 * starts to use: a global counter, a table, a function pointer variable
 * and a function, none of which the program refers to before the patch.
 * Its accessors say, from the library's side, what the patched code must
 * see.
 */
#ifndef FAR_H
#define FAR_H

#include <stdio.h>

extern int far_counter;		 /* starts at 0 */
extern int far_table[8];	 /* far_table[i] == 10 * i */
extern char far_name[];		 /* "libfar" */
extern int (*far_hook)(int);	 /* triples its argument */
extern long far_scratch;	 /* for sp.diff, which refuses to apply */
int far_twice(int n);		 /* 2 * n */

int far_get_counter(void);
int *far_table_at(int i);	    /* &far_table[i] */
int (*far_twice_addr(void))(int);   /* far_twice, as the library sees it */
FILE *far_stderr(void);		    /* stderr, as the library sees it */
char **far_environ(void);	    /* environ, as the library sees it */
const char *far_version(void);

#endif
