/* pidarg.c - PID and timeout arguments, and function name lists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/result.h"
#include "cli/pidarg.h"
#include "process/wakelat.h"

/* Names printed before "..." in a one-line summary. */
#define NAMES_SHOWN 5

int cli_parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > 0x7fffffff) {
		fprintf(stderr, "suture: '%s' is not a process ID\n", s);
		return -1;
	}
	*pid = (pid_t)v;
	return 0;
}

bool cli_is_pid_list(const char *s)
{
	return s[strspn(s, "0123456789,")] == '\0';
}

int cli_parse_timeout(const char *s, unsigned *ms)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v >= 0) || v > 86400) {
		fprintf(stderr, "suture: '%s' is not a timeout in seconds\n",
			s);
		return -1;
	}
	*ms = (unsigned)(v * 1000 + 0.5);
	return 0;
}

static void print_func_names(const struct record *rec)
{
	size_t shown = 0;

	for (size_t i = 0; i < rec->nfuncs; i++) {
		if (rec->funcs[i].flags & PFUNC_PART)
			continue;
		if (shown == NAMES_SHOWN) {
			printf(", ...");
			break;
		}
		printf("%s%s", shown++ ? ", " : "", rec->funcs[i].name);
	}
}

void cli_print_change(const char *verb, const char *prep, const char *done,
		      pid_t pid, const struct apply_result *res)
{
	size_t n = 0;

	if (res->cleaned)
		printf("removed %zu leftover%s of an interrupted suture from "
		       "PID %d\n",
		       res->cleaned, res->cleaned == 1 ? "" : "s", pid);
	if (!res->rec.nfuncs)
		return;
	for (size_t i = 0; i < res->rec.nfuncs; i++)
		n += !(res->rec.funcs[i].flags & PFUNC_PART);
	printf("%s '%s' %s PID %d: %zu function%s %s (", verb, res->rec.name,
	       prep, pid, n, n == 1 ? "" : "s", done);
	print_func_names(&res->rec);
	printf("); process stopped for %.0f µs (%zu thread%s",
	       res->pause_ns / 1e3, res->nthreads,
	       res->nthreads == 1 ? "" : "s");
	/* Earlier stops found a thread in the way and changed nothing. */
	if (res->attempts > 1)
		printf(", %u attempts", res->attempts);
	/* The patch's memory is mapped or unmapped in a stop of its own. */
	if (res->aside_ns)
		printf("; and one thread alone for %.0f µs for the patch's "
		       "memory",
		       res->aside_ns / 1e3);
	/* And, before a revert's stop, to hand a write tracker over. */
	if (res->track_ns)
		printf("; and one thread alone for %.0f µs to hand over a "
		       "write tracker",
		       res->track_ns / 1e3);
	printf(")\n");
	if (res->shadowed[0])
		printf("note: it also replaces %s, and was not built on that "
		       "patch (suture build --on): its version wins\n",
		       res->shadowed);
	/* Off already: only memory is left, for the next command to free. */
	if (res->unfinished[0])
		printf("note: %s off, but %s memory is not freed yet (%s); "
		       "the next suture command on the process frees it\n",
		       res->nreplaced ? "the replaced patches are"
				      : "the patch is",
		       res->nreplaced ? "their" : "its", res->unfinished);
	if (res->ungated)
		printf("note: %zu function%s could not get a gate and switched "
		       "without one (see docs/DESIGN.md)\n",
		       res->ungated, res->ungated == 1 ? "" : "s");
}

void cli_print_wake(pid_t pid)
{
	printf("process %d: %s\n", (int)pid,
	       wakelat_made()
		   ? "idle CPUs kept polling while its threads were held "
		     "(a CPU latency request of 0 us)"
		   : "idle CPUs may halt while its threads are held (no "
		     "/dev/cpu_dma_latency for suture, which root may open): "
		     "a released thread waits for its CPU to wake");
}
