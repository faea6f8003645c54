/*
 * proc.h - what bench/floor.c and bench/stops.c share: a clock, and the
 * threads of a process.  Not part of suture.
 */
#ifndef SUTURE_BENCH_PROC_H
#define SUTURE_BENCH_PROC_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* How many threads @pid has, their IDs into @tids (up to @max of them)
 * unless @tids is NULL; -1 if they cannot be listed. */
static inline int threads(int pid, int *tids, int max)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	if (!(d = opendir(path)))
		return -1;
	while ((e = readdir(d)) && (!tids || n < max))
		if (e->d_name[0] != '.') {
			if (tids)
				tids[n] = atoi(e->d_name);
			n++;
		}
	closedir(d);
	return n;
}

#endif
