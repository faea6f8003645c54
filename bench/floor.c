/*
 * floor.c - the least any ptrace-based stop of a whole process costs on
 * this machine: seize every thread of PID, interrupt them all, wait for
 * each stop, read each thread's registers, detach them all, and nothing
 * else.  Prints the microseconds from the first seize to the last detach,
 * the window suture's own stop of the same process is to be read against
 * (bench/pause.sh), then those of its parts: seizing, interrupting and
 * waiting for every thread (the stop half, to be read against a group stop
 * and the freezer, bench/stops.c); reading the registers; detaching.  It passes
 * on no signal a thread stopped for: the benchmark's target gets none.
 * With -q it holds a CPU latency request of 0 µs meanwhile, as suture does
 * while it holds a process (src/process/wakelat.h): the idle CPUs poll and
 * a released thread's CPU is awake.  Not part of suture.
 *
 *   floor [-q] PID
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

int main(int argc, char **argv)
{
	static int tids[65536];
	struct user_regs_struct regs;
	int pid, n, st;
	double t0, t1, t2, t3;

	int awake = argc == 3 && !strcmp(argv[1], "-q");
	const int32_t none = 0;

	if (argc != 2 + awake || (pid = atoi(argv[argc - 1])) <= 0 ||
	    (n = threads(pid, tids, 65536)) <= 0) {
		fprintf(stderr, "usage: floor [-q] PID\n");
		return 2;
	}
	/* held to the exit, which ends it */
	if (awake && (write(open("/dev/cpu_dma_latency", O_WRONLY), &none,
				sizeof(none)) != sizeof(none)))
		return perror("/dev/cpu_dma_latency"), 1;
	t0 = now_us();
	for (int i = 0; i < n; i++)
		if (ptrace(PTRACE_SEIZE, tids[i], 0, 0) < 0)
			return perror("seize"), 1;
	for (int i = 0; i < n; i++)
		ptrace(PTRACE_INTERRUPT, tids[i], 0, 0);
	/* the leader last: its events wait for the others' */
	for (int i = 0; i < n; i++)
		if (tids[i] != pid)
			waitpid(tids[i], &st, __WALL);
	waitpid(pid, &st, __WALL);
	t1 = now_us();
	for (int i = 0; i < n; i++)
		ptrace(PTRACE_GETREGS, tids[i], 0, &regs);
	t2 = now_us();
	for (int i = 0; i < n; i++)
		ptrace(PTRACE_DETACH, tids[i], 0, 0);
	t3 = now_us();
	printf("%.0f %.0f %.0f %.0f\n", t3 - t0, t1 - t0, t2 - t1, t3 - t2);
	return 0;
}
