/*
 * retained.c - showing retained regions, and `suture gc [-v] PID
 * [--timeout SEC]`: unmap the ones nothing refers to any more.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "apply/refscan.h"
#include "apply/revert.h"
#include "apply/status.h"
#include "cli/commands.h"
#include "cli/pidarg.h"
#include "cli/retained.h"

static const char usage_text[] =
    "usage: suture gc [-v] PID [--timeout SEC]\n"
    "\n"
    "Unmap the memory of reverted or replaced patches that process PID\n"
    "kept because something in it still referred to that memory (suture\n"
    "status lists it as retained), once nothing does any more; also\n"
    "removes what an interrupted suture left.  One stop of the process,\n"
    "waiting up to SEC seconds (default 5) for it, as revert does.\n"
    "\n"
    "  -v, --verbose  also say how the stop's scan for references went:\n"
    "                 only the pages written since a scan made while the\n"
    "                 program ran, or all memory, and why\n";

static const struct option options[] = {
    {"timeout", required_argument, NULL, 't'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

char *cli_retained_line(pid_t pid, const struct record *r, char *buf,
			size_t len)
{
	char where[256];

	if (!r->retain.refs) {
		snprintf(buf, len, "%" PRIu64 " bytes", r->size);
		return buf;
	}
	refscan_where(pid, r->retain.at, (pid_t)r->retain.tid, where,
		      sizeof(where));
	if (r->retain.at)
		snprintf(buf, len,
			 "%" PRIu64 " bytes, %" PRIu64 " reference%s, e.g. at "
			 "%#" PRIx64 " (%s)",
			 r->size, r->retain.refs,
			 r->retain.refs == 1 ? "" : "s", r->retain.at, where);
	else
		snprintf(buf, len,
			 "%" PRIu64 " bytes, %" PRIu64
			 " reference%s, e.g. in %s",
			 r->size, r->retain.refs,
			 r->retain.refs == 1 ? "" : "s", where);
	return buf;
}

void cli_print_released(pid_t pid, const struct apply_result *res)
{
	char line[512];

	if (res->rec.retained)
		printf("note: the memory of '%s' stays mapped, switched off, "
		       "while the program may still use it (retained: %s); "
		       "`suture gc %d` frees it once nothing refers to it\n",
		       res->rec.name,
		       cli_retained_line(pid, &res->rec, line, sizeof(line)),
		       pid);
	if (res->released)
		printf("freed the memory of %zu earlier patch%s that nothing "
		       "refers to any more\n",
		       res->released, res->released == 1 ? "" : "es");
	if (res->retained)
		printf(
		    "%zu earlier patch%s still retained (suture status %d)\n",
		    res->retained, res->retained == 1 ? " is" : "es are", pid);
}

json_t *cli_retained_json(pid_t pid, const struct state *st)
{
	json_t *a = json_array();
	char where[256], at[32];

	for (size_t i = 0; i < st->nkept; i++) {
		const struct record *r = &st->kept[i];

		snprintf(at, sizeof(at), "%#" PRIx64, r->retain.at);
		json_array_append_new(
		    a, json_pack("{s:s, s:I, s:I, s:I, s:s, s:s}", "name",
				 r->name, "seq", (json_int_t)r->seq, "bytes",
				 (json_int_t)r->size, "references",
				 (json_int_t)r->retain.refs, "example", at,
				 "where",
				 refscan_where(pid, r->retain.at,
					       (pid_t)r->retain.tid, where,
					       sizeof(where))));
	}
	return a;
}

int cmd_gc(int argc, char **argv)
{
	struct apply_opts o = {.timeout_ms = APPLY_DEFAULT_TIMEOUT_MS,
			       .hook_timeout_ms = HOOK_DEFAULT_TIMEOUT_MS};
	struct error err = {""};
	struct apply_result res;
	bool verbose = false;
	pid_t pid;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:vh", options, NULL)) != -1) {
		if (c == 'h')
			return fputs(usage_text, stdout), 0;
		if (c == 'v')
			verbose = true;
		else if (c != 't' ||
			 cli_parse_timeout(optarg, &o.timeout_ms) < 0)
			return fputs(usage_text, stderr), 2;
	}
	if (argc - optind != 1 || cli_parse_pid(argv[optind], &pid) < 0)
		return fputs(usage_text, stderr), 2;
	if (retain_gc(pid, &o, &res, &err) < 0) {
		fprintf(stderr, "suture gc: %s\n", err.msg);
		return 1;
	}
	if (verbose && res.scan[0])
		printf("process %d: scan for references: %s\n", (int)pid,
		       res.scan);
	cli_print_change("", "", "", pid, &res);
	cli_print_released(pid, &res);
	if (!res.released && !res.retained && !res.cleaned)
		printf("nothing to free in process %d\n", pid);
	apply_result_free(&res);
	return 0;
}
