/*
 * tick.h - the patched module of the tls target (tick.c): per-thread
 * counters in thread-local variables.
 *
 * tick() counts calls per thread.  Old code returns the thread's count n;
 * new code (count.diff) returns -(n * 1000 + extra), where the thread's
 * tick_extra started at 7 and grows by 2 per new-code call.  A caller
 * that counts its own calls can thus tell which version answered and that
 * the variables used were its own thread's.
 */
#ifndef TLS_TICK_H
#define TLS_TICK_H

extern __thread long tick_count; /* defined in tickvar.c */

long tick(void);

#endif
