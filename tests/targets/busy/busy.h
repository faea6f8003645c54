/*
 * busy.h - the two functions the tests patch and what they call.  Each
 * lives in its own file so that the compiler can inline none of them.
 */
#ifndef BUSY_H
#define BUSY_H

#define NWORKERS 8

/* work - seed * 16 + version (1, or 2 once work.diff is applied).  Calls
 * hold() in between, so a worker is mostly stopped below work(). */
long work(long seed);

/* tally - count work()'s version @v through note(); returns v * 10 +
 * version (1, or 2 once tally.diff is applied). */
long tally(long v);

/* hold - if holding, sleep a little, in a frame with stale words (hold.c). */
void hold(void);

/* Whether workers sleep inside work() (through hold()) or outside it;
 * the request "hold 0|1" sets it. */
extern int holding;

/* alt.c: its thread (alt_self there) parks in a signal handler on an
 * alternate stack, called from hold() below work(), while alt_go is set
 * ("alt 1"); alt_parked says it is there. */
extern __thread int alt_self;
extern int alt_go, alt_parked;
int alt_start(void);

/* note - count one value of version @v (busy.c). */
void note(long v);

#endif
