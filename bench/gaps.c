/*
 * gaps.c - the `gaps` request of a pause target started with PAUSE_ALONE
 * (tests/targets/pause/pause.h), which has no thread to answer it: takes
 * and resets the gaps in the shared FILE and prints "PROCESS_NS THREAD_NS".
 * Not part of suture.
 *
 *   gaps FILE
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pause.h"

int main(int argc, char **argv)
{
	struct pause_gaps *g;
	char reply[64];
	int fd;

	if (argc != 2 || (fd = open(argv[1], O_RDWR)) < 0)
		return 2;
	g = mmap(NULL, sizeof(*g), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (g == MAP_FAILED)
		return 1;
	pause_gaps(g, reply, sizeof(reply));
	puts(reply);
	return 0;
}
