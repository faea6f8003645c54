/*
 * workers.h - a record filled by fill() (the function the tests patch) and
 * checked by the workers, which know what every version must produce.
 */
#ifndef WORKERS_H
#define WORKERS_H

#define NWORKERS 4

struct rec {
	long seed;
	long ver;   /* 1 before version.diff, 2 after */
	long a;     /* seed * ver + 7 * ver */
	long b;     /* seed ^ (0x5a5a * ver) */
	long check; /* a + b + ver */
};

void fill(struct rec *r, long seed);

#endif
