/* tickvar.c - a thread-local counter defined outside tick.c, so that
 * tick.c reaches it as an extern (initial-exec in an executable). */
#include "tick.h"

__thread long tick_count;
