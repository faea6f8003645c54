/* phase.c - per-phase CLOCK_MONOTONIC timing of a command (phase.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/phase.h"

#define PHASE_MAX 24

/*
 * Mutable global state, like fault.c: a diagnostic that follows one
 * command through code that has no common context to carry it in.
 */
static struct {
	int on; /* -1 until the environment was read */
	const char *cur;
	uint64_t since_ns;
	size_t n;
	const char *name[PHASE_MAX];
	uint64_t ns[PHASE_MAX];
} phase = {.on = -1};

static uint64_t phase_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Charge the time since the current phase began to its name. */
static void phase_end(uint64_t now)
{
	size_t i;

	if (!phase.cur)
		return;
	for (i = 0; i < phase.n && strcmp(phase.name[i], phase.cur); i++)
		;
	if (i == phase.n) {
		if (i == PHASE_MAX)
			return; /* more phases than marks exist: drop */
		phase.name[phase.n++] = phase.cur;
	}
	phase.ns[i] += now - phase.since_ns;
}

void phase_begin(const char *name)
{
	uint64_t now;

	if (phase.on < 0) {
		const char *v = getenv("SUTURE_TIMING");
		phase.on = v && strcmp(v, "0") && *v;
	}
	if (!phase.on)
		return;
	now = phase_now_ns();
	phase_end(now);
	phase.cur = name;
	phase.since_ns = now;
}

/* The line is written at once: stderr is unbuffered, and a write per
 * phase (twenty) would add to the time outside the phases that the bench
 * reports (bench/latency.sh: wall time less their total). */
void phase_report(void)
{
	char line[PHASE_MAX * 80 + 64];
	uint64_t total = 0;
	size_t at;

	if (phase.on != 1)
		return;
	phase_end(phase_now_ns());
	phase.cur = NULL;
	at = (size_t)snprintf(line, sizeof(line), "suture: timing:");
	for (size_t i = 0; i < phase.n && at < sizeof(line); i++) {
		at += (size_t)snprintf(line + at, sizeof(line) - at,
				       "%s %s %.0f µs", i ? "," : "",
				       phase.name[i], phase.ns[i] / 1e3);
		total += phase.ns[i];
	}
	if (at < sizeof(line))
		snprintf(line + at, sizeof(line) - at, " (total %.0f µs)\n",
			 total / 1e3);
	fputs(line, stderr);
}
