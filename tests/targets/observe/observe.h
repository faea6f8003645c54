/* observe.h - the function the tests patch (version.c). */
#ifndef OBSERVE_H
#define OBSERVE_H

/* obs_version(x) is x * 1000 + 1 before version.diff, x * 1000 + 2 after. */
long obs_version(long x);

#endif
