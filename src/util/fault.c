/* fault.c - kill suture itself at a step named by SUTURE_FAULT (fault.h). */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fault.h"

/*
 * A step counter that only exists for tests, and the step to die at, read
 * from the environment once: its number, or its name.
 */
static bool fault_read;
static long fault_at;
static const char *fault_name;
static long fault_step;

void fault_point(const char *what)
{
	if (!fault_read) {
		const char *v = getenv("SUTURE_FAULT");
		char *end = NULL;

		fault_read = true;
		fault_at = v ? strtol(v, &end, 10) : 0;
		if (v && *v && *end)
			fault_name = v;
	}
	++fault_step;
	if (fault_name ? strcmp(what, fault_name) != 0
		       : !fault_at || fault_step != fault_at)
		return;
	fprintf(stderr, "suture: fault injection: killed at step %ld (%s)\n",
		fault_step, what);
	fflush(stderr);
	kill(getpid(), SIGKILL);
}
