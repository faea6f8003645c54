/*
 * wakelat.c - the CPU latency request while suture holds a process
 * (wakelat.h).
 *
 * Measured on the bench's VM (2 vCPUs, guest idle by HLT: the haltpoll
 * driver with no polling): a thread woken on a halted vCPU ran 17-32 µs
 * after the ptrace call that released it, in a scheduler trace; the lone
 * busy thread's longest pause in an apply was 111 µs median without the
 * request and 92 with it (20 applies of each, interleaved, one run; the
 * revert's 130 and 94).  Making the request costs 10-25 µs (the kernel
 * wakes every idle CPU to take the new limit), ending it 3: once a
 * process, not once a stop.
 *
 * Mutable global state, like util/phase.c: the request is the process's
 * (the kernel keeps one per open descriptor), taken by whichever command
 * locks a process, and a count lets locks nest.  suture's threads other
 * than the tracer never lock a process.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "process/wakelat.h"

static int fd = -1;
static unsigned holds;
static bool made;

void wakelat_hold(void)
{
	const int32_t none = 0; /* µs a CPU may take to wake */
	struct stat st;

	if (holds++)
		return;
	fd = open("/dev/cpu_dma_latency", O_WRONLY | O_CLOEXEC);
	/* the kernel's device, not a file mounted over it */
	if (fd >= 0 && (fstat(fd, &st) || !S_ISCHR(st.st_mode) ||
			write(fd, &none, sizeof(none)) != sizeof(none))) {
		close(fd);
		fd = -1;
	}
	made |= fd >= 0;
}

void wakelat_release(void)
{
	if (!holds || --holds)
		return;
	if (fd >= 0)
		close(fd);
	fd = -1;
}

bool wakelat_held(void)
{
	return fd >= 0;
}

bool wakelat_made(void)
{
	return made;
}
