/* foo.h - the interface of libfoo.so. */
#ifndef FOO_H
#define FOO_H

/* foo_compute - N cubed (foo.diff fixes it); counts its calls. */
long foo_compute(long n);

/* foo_calls - how many times foo_compute() ran. */
unsigned long foo_calls(void);

/* foo_version - a label naming the library's version. */
const char *foo_version(void);

#endif
