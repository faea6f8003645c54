/* corner.h - the functions of the corner target, one file each. */
#ifndef CORNER_H
#define CORNER_H

/* lits.c: string literals side by side (lits.diff drops the second). */
const char *lit_first(void);
const char *lit_second(void);
const char *lit_third(void);

/* tiny.c: 0, in fewer bytes than a trampoline (tiny.diff: 1). */
int tiny(void);

/* cold.c: 2x for x >= 0, -3x on the cold path (cold.diff: -4x). */
long cold_fn(long x);

/* statics.c: call counters in function-local statics all called n. */
long tick_a(void);
long tick_b(void);
long tick_c(void);

/* loop.c: the heartbeat thread's count (beat.diff: counts by two). */
long loop_beats(void);

/* one.c (libone.so): x + 1 (one.diff: x + 2, one2.diff: x + 3). */
long one_value(long x);

#endif
