/*
 * tracer.c - hold a process under ptrace, as a debugger would, so the
 * tests can check that suture refuses a process someone else traces.
 *
 *     tracer PID READYFILE
 *
 * Seizes PID (without stopping it), creates READYFILE, then sleeps until
 * killed; the kernel detaches when it dies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: tracer PID READYFILE\n");
		return 2;
	}
	if (ptrace(PTRACE_SEIZE, atoi(argv[1]), NULL, NULL) != 0) {
		perror("tracer: PTRACE_SEIZE");
		return 1;
	}
	f = fopen(argv[2], "w");
	if (!f || fclose(f) != 0)
		return 1;
	for (;;)
		pause();
}
