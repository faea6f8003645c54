/*
 * tick.c - the code the tls tests patch (tick.h).  tick_extra is a static
 * thread-local variable with an initializer (.tdata), tick_count a global
 * one of another file (.tbss); tick_pad only moves them off offset 0.
 */
#include "tick.h"

__thread char tick_pad[40] = "pad";
static __thread long tick_extra = 7;

long tick(void)
{
	tick_count++;
	return tick_count;
}

/* tick_peek - this thread's tick_extra, for the caller's checks. */
long tick_peek(void)
{
	return tick_extra + tick_pad[0] - 'p';
}

/* tick_bump - add @d to this thread's tick_extra (unused; it keeps the
 * compiler from folding tick_extra into a constant). */
void tick_bump(long d)
{
	tick_extra += d;
}
