/*
 * ticker.c - writes a line "<version>" (tick()'s result) to stdout every
 * millisecond, so every moment it runs leaves a trace.  TICK_INSIDE=1
 * makes it wait inside tick() instead of between calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

long tick(int inside);

int main(void)
{
	const char *in = getenv("TICK_INSIDE");
	int inside = in && *in == '1';
	struct timespec t = {0, 1000000};
	char line[32];

	for (;;) {
		int n = snprintf(line, sizeof(line), "%ld\n", tick(inside));

		if (write(1, line, (size_t)n) != n)
			return 1;
		if (!inside)
			nanosleep(&t, NULL);
	}
}
