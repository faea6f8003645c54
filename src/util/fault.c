/* fault.c - kill suture itself at the Nth step when SUTURE_FAULT=N. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/fault.h"

/*
 * A step counter that only exists for tests, read from the environment
 * once.
 */
static long fault_at = -1;
static long fault_step;

void fault_point(const char *what)
{
	if (fault_at < 0) {
		const char *v = getenv("SUTURE_FAULT");
		fault_at = v ? strtol(v, NULL, 10) : 0;
	}
	if (!fault_at || ++fault_step != fault_at)
		return;
	fprintf(stderr, "suture: fault injection: killed at step %ld (%s)\n",
		fault_step, what);
	fflush(stderr);
	kill(getpid(), SIGKILL);
}
