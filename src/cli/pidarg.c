/* pidarg.c - PID and timeout arguments, and function name lists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/pidarg.h"

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

void cli_print_func_names(const struct record *rec)
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
