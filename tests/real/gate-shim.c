/*
 * gate-shim.c - LD_PRELOAD library for the tests in tests/real: holds a
 * program before main() until the test releases it, so that a patch can
 * be applied to the process before any of its own code runs.
 *
 * With SUTURE_TEST_GATE=FIFO in the environment, its constructor creates
 * FIFO.ready (the test's sign that the program got this far) and then
 * blocks reading one byte from FIFO.  It waits in a read, not in a stop
 * signal: a program that stops itself with raise(SIGSTOP) here is resumed
 * by today's `suture apply`, which then reports that the process exited
 * while it was working on it (the program ran to its end unpatched); a
 * process stopped from outside stays stopped (t-odd, t-edge).  Both
 * variables are removed before main(), so that programs the test starts
 * run ungated.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void gate_wait(void)
{
	const char *gate = getenv("SUTURE_TEST_GATE");
	char ready[4096], c;
	int fd;

	if (!gate)
		return;
	snprintf(ready, sizeof(ready), "%s.ready", gate);
	fd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	fd = open(gate, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &c, 1) < 0)
			perror("gate-shim: read");
		close(fd);
	}
	unsetenv("SUTURE_TEST_GATE");
	unsetenv("LD_PRELOAD");
}
