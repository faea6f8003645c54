/*
 * status.c - `suture status PID [--json]`: the patches applied to a
 * process, read from the process itself without stopping it; `--all`
 * for every process (statusall.c).
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply/hooks.h"
#include "apply/status.h"
#include "cli/commands.h"
#include "cli/enabledrep.h"
#include "cli/perfheal.h"
#include "cli/pidarg.h"
#include "cli/retained.h"
#include "cli/statusall.h"
#include "process/modules.h"

static const char usage_text[] =
    "usage: suture status PID [--json]\n"
    "       suture status --all [FILE...] [--json]\n"
    "\n"
    "List the patches applied to process PID, oldest first: name,\n"
    "build-id, patched file, where the patch lives, when it was applied,\n"
    "and each replaced function's old and new address.\n"
    "\n"
    "--all  every process with patches applied, and every process that\n"
    "       maps the module one of the patch FILEs was built for and does\n"
    "       not run that patch (patchable).\n";

static const struct option options[] = {
    {"json", no_argument, NULL, 'j'},
    {"all", no_argument, NULL, 'a'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* @ns since the epoch as local "YYYY-MM-DD HH:MM:SS", into @buf. */
static char *when(uint64_t ns, char *buf, size_t len, bool utc_iso)
{
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm;

	if (utc_iso)
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	else
		strftime(buf, len, "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
	return buf;
}

static void print_record(const struct record *r)
{
	char id[2 * PATCH_BUILD_ID_MAX + 1], t[64];

	printf("%" PRIu64 ". %s\n", r->seq, r->name);
	printf("   target:   %s (build-id %s)\n", r->target_file,
	       modules_hex(r->build_id, r->build_id_len, id));
	printf("   region:   %#" PRIx64 "-%#" PRIx64 "\n", r->base,
	       r->base + r->size);
	printf("   applied:  %s\n", when(r->applied_ns, t, sizeof(t), false));
	if (r->on[0])
		printf("   built on: %s\n", r->on);
	for (size_t i = 0; i < r->nhooks; i++)
		if (r->hooks[i].kind < HOOK_RUN_POST_APPLY)
			printf("   hook:     %s (%s)\n", r->hooks[i].name,
			       hook_kind_name(r->hooks[i].kind));
	if (r->pending_hooks >= 0)
		printf("   pending:  %s\n",
		       hooks_pending_what(r->pending_hooks));
	for (size_t i = 0; i < r->nfuncs; i++)
		printf("   %-24s %#" PRIx64 " -> %#" PRIx64 "%s\n",
		       r->funcs[i].name, r->funcs[i].entry,
		       r->funcs[i].new_addr,
		       r->funcs[i].flags & PFUNC_PART ? " (part)" : "");
}

static void print_text(pid_t pid, const struct state *st)
{
	if (!st->n)
		printf("no patches applied to process %d\n", pid);
	else
		printf("process %d: %zu patch%s applied\n", pid, st->n,
		       st->n == 1 ? "" : "es");
	for (size_t i = 0; i < st->n; i++)
		print_record(&st->v[i]);
	if (st->ndead)
		printf("left to clean up (an interrupted suture; the program "
		       "runs the code from before it, and the next apply or "
		       "revert removes these):\n");
	for (size_t i = 0; i < st->ndead; i++)
		print_record(&st->dead[i]);
	if (st->nold)
		printf("replaced, memory not freed yet (an interrupted apply "
		       "--replace; the program runs the patch that replaced "
		       "them, and the next apply or revert frees these):\n");
	for (size_t i = 0; i < st->nold; i++)
		print_record(&st->old[i]);
	if (st->nkept)
		printf("retained (switched off, kept mapped while the program "
		       "may still use them; `suture gc %d` frees them once "
		       "nothing refers to them):\n",
		       pid);
	for (size_t i = 0; i < st->nkept; i++) {
		char line[512];

		print_record(&st->kept[i]);
		printf(
		    "   retained: %s\n",
		    cli_retained_line(pid, &st->kept[i], line, sizeof(line)));
	}
	for (size_t i = 0; i < st->nbad; i++)
		printf("%s: %s\n",
		       st->bad[i].blank ? "left to clean up" : "warning",
		       st->bad[i].why);
}

static json_t *hex_addr(uint64_t a)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%#" PRIx64, a);
	return json_string(buf);
}

static json_t *json_record(const struct record *r)
{
	char id[2 * PATCH_BUILD_ID_MAX + 1], t[64];
	json_t *funcs = json_array();

	for (size_t i = 0; i < r->nfuncs; i++)
		json_array_append_new(
		    funcs, json_pack("{s:s, s:o, s:o, s:I, s:b}", "name",
				     r->funcs[i].name, "old",
				     hex_addr(r->funcs[i].entry), "new",
				     hex_addr(r->funcs[i].new_addr), "size",
				     (json_int_t)r->funcs[i].new_size, "part",
				     (r->funcs[i].flags & PFUNC_PART) != 0));
	return json_pack(
	    "{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:s, s:I, s:o}", "seq",
	    (json_int_t)r->seq, "name", r->name, "id", r->id, "on", r->on,
	    "build_id", modules_hex(r->build_id, r->build_id_len, id), "target",
	    r->target_file, "region", hex_addr(r->base), "region_size",
	    (json_int_t)r->size, "applied",
	    when(r->applied_ns, t, sizeof(t), true), "applied_unix",
	    (json_int_t)(r->applied_ns / 1000000000u), "functions", funcs);
}

static void print_json(pid_t pid, const struct state *st)
{
	json_t *patches = json_array(), *bad = json_array(), *top;
	json_t *dead = json_array(), *old = json_array();
	char *text;

	for (size_t i = 0; i < st->n; i++)
		json_array_append_new(patches, json_record(&st->v[i]));
	for (size_t i = 0; i < st->ndead; i++)
		json_array_append_new(dead, json_record(&st->dead[i]));
	for (size_t i = 0; i < st->nold; i++)
		json_array_append_new(old, json_record(&st->old[i]));
	for (size_t i = 0; i < st->nbad; i++)
		json_array_append_new(
		    bad, json_pack("{s:o, s:s, s:b}", "region",
				   hex_addr(st->bad[i].start), "error",
				   st->bad[i].why, "blank", st->bad[i].blank));
	size_t lacking;

	top = json_pack("{s:i, s:o, s:o, s:o, s:o, s:o, s:o}", "pid", (int)pid,
			"patches", patches, "left_to_clean_up", dead,
			"replaced_not_freed", old, "retained",
			cli_retained_json(pid, st), "invalid_regions", bad,
			"enabled", cli_enabled_json(pid, &lacking));
	text = json_dumps(top, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", text);
	free(text);
	json_decref(top);
}

int cmd_status(int argc, char **argv)
{
	/* `suture status kernel ...`: the kernel back end (cli/kernel.c) */
	if (argc > 1 && !strcmp(argv[1], "kernel"))
		return cmd_status_kernel(argc - 1, argv + 1);
	struct error err = {""};
	struct state st;
	bool json = false, all = false;
	pid_t pid;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", options, NULL)) != -1) {
		if (c == 'h')
			return fputs(usage_text, stdout), 0;
		if (c != 'j' && c != 'a')
			return fputs(usage_text, stderr), 2;
		*(c == 'j' ? &json : &all) = true;
	}
	if (all)
		return cli_status_all(argv + optind, (size_t)(argc - optind),
				      json);
	if (argc - optind != 1 || cli_parse_pid(argv[optind], &pid) < 0)
		return fputs(usage_text, stderr), 2;
	if (status_read(pid, &st, &err) < 0) {
		fprintf(stderr, "suture status: %s\n", err.msg);
		return 1;
	}
	if (json)
		print_json(pid, &st);
	else {
		print_text(pid, &st);
		cli_enabled_print(pid); /* enabled patches it lacks */
	}
	perfheal_one(pid, &st);
	state_free(&st);
	return 0;
}
