/*
 * kernel.c - the kernel as a target of apply, revert and status:
 *
 *   suture apply kernel FILE.ko [--replace] [--timeout SEC]
 *   suture revert kernel NAME [--timeout SEC]
 *   suture status kernel [--json]
 *
 * The word `kernel` stands where a PID goes; cmd_apply, cmd_revert and
 * cmd_status hand such a command line here.  The work is src/kload's.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "cli/commands.h"
#include "kload/kload.h"

static const char apply_usage[] =
    "usage: suture apply kernel FILE.ko [--replace] [--timeout SEC]\n"
    "\n"
    "Load the livepatch module FILE.ko (suture build --kernel makes one)\n"
    "into the running kernel and wait until every task runs the new code,\n"
    "naming the tasks that have not switched yet.  If that takes more\n"
    "than SEC seconds (default 60) the transition is reversed and the\n"
    "module removed.  Refused before loading: no livepatch support, not a\n"
    "livepatch module, built for another kernel release, a module of\n"
    "that name already loaded.\n"
    "\n"
    "--replace  the module is an atomic replace (built with suture build\n"
    "           --kernel --replace): it takes the place of every loaded\n"
    "           livepatch.  Required for such a module and refused for\n"
    "           any other, so that neither happens by surprise.\n";

static const char revert_usage[] =
    "usage: suture revert kernel NAME [--timeout SEC]\n"
    "\n"
    "Disable the livepatch NAME, wait until every task runs the old code\n"
    "again (at most SEC seconds, default 60; then the patch is enabled\n"
    "again) and remove its module.\n";

static const char status_usage[] =
    "usage: suture status kernel [--json]\n"
    "\n"
    "List the livepatches loaded in the running kernel, oldest first (a\n"
    "function patched by several runs the newest one's code): enabled,\n"
    "in transition (and which tasks have not switched), atomic replace.\n";

static const struct option options[] = {
    {"timeout", required_argument, NULL, 't'},
    {"replace", no_argument, NULL, 'r'},
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The tasks a transition waits for, as it goes. */
static void print_progress(const char *name, const struct klp_task *t, size_t n,
			   void *arg)
{
	printf("transition of '%s': %zu task%s to switch", name, n,
	       n == 1 ? "" : "s");
	for (size_t i = 0; i < n && i < 8; i++)
		printf("%s%d %s", i ? ", " : ": ", t[i].pid, t[i].comm);
	printf("%s\n", n > 8 ? ", ..." : "");
	fflush(stdout);
}

/* Options into @o (@allowed: which of -r, -j the command takes; -j sets
 * *json); the number of operands left, -1 on a usage error, -2 for
 * --help. */
static int parse(int argc, char **argv, struct kload_opts *o,
		 const char *allowed, bool *json)
{
	int c;

	*o = (struct kload_opts){.timeout_ms = KLOAD_DEFAULT_TIMEOUT_MS,
				 .progress = print_progress};
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:h", options, NULL)) != -1) {
		if (c == 'h')
			return -2;
		if (c == 't' && atof(optarg) > 0)
			o->timeout_ms = (int)(atof(optarg) * 1000);
		else if (c == 'r' && strchr(allowed, 'r'))
			o->replace = true;
		else if (c == 'j' && strchr(allowed, 'j'))
			*json = true;
		else
			return -1;
	}
	return argc - optind;
}

/* argv[0] is "kernel". */
int cmd_apply_kernel(int argc, char **argv)
{
	struct kload_result res;
	struct error err = {""};
	struct kload_opts o;
	int r = parse(argc, argv, &o, "r", NULL);

	if (r == -2)
		return fputs(apply_usage, stdout), 0;
	if (r != 1)
		return fputs(apply_usage, stderr), 2;
	if (kload_apply(argv[optind], &o, &res, &err) < 0) {
		fprintf(stderr, "suture apply: %s\n", err.msg);
		return 1;
	}
	printf("applied kernel livepatch '%s' (%s): transition done in %ld "
	       "ms\n",
	       res.mod.name, argv[optind], res.elapsed_ms);
	if (res.max_pending)
		printf("at most %zu task%s waited on the old code\n",
		       res.max_pending, res.max_pending == 1 ? "" : "s");
	if (o.replace)
		printf("replaced %zu livepatch%s (atomic replace)\n",
		       res.replaced, res.replaced == 1 ? "" : "es");
	return 0;
}

int cmd_revert_kernel(int argc, char **argv)
{
	struct kload_result res;
	struct error err = {""};
	struct kload_opts o;
	int r = parse(argc, argv, &o, "", NULL);

	if (r == -2)
		return fputs(revert_usage, stdout), 0;
	if (r != 1)
		return fputs(revert_usage, stderr), 2;
	if (kload_revert(argv[optind], &o, &res, &err) < 0) {
		fprintf(stderr, "suture revert: %s\n", err.msg);
		return 1;
	}
	printf("reverted kernel livepatch '%s': transition done in %ld ms, "
	       "module removed\n",
	       argv[optind], res.elapsed_ms);
	return 0;
}

static void print_entry(size_t i, const struct klp_entry *e)
{
	struct klp_task *t = NULL;
	struct error ignored = {""};
	size_t n = 0;

	printf("%zu. %s: ", i + 1, e->name);
	if (!e->registered) {
		printf("disabled, module still loaded (suture revert kernel "
		       "%s removes it)\n",
		       e->name);
		return;
	}
	printf("%s", e->enabled ? "enabled" : "being disabled");
	if (e->transition) {
		klp_pending(e->enabled, &t, &n, &ignored);
		printf(", in transition: %zu task%s to switch", n,
		       n == 1 ? "" : "s");
		for (size_t k = 0; k < n && k < 8; k++)
			printf("%s%d %s", k ? ", " : " (", t[k].pid, t[k].comm);
		printf("%s", n ? (n > 8 ? ", ...)" : ")") : "");
		free(t);
	}
	printf("%s\n", e->replace == 1 ? ", atomic replace" : "");
}

/* The list as JSON: {"release", "livepatches": [{"name", "registered",
 * "enabled", "transition", "replace" (null when not shown)}]}. */
static void print_json(const char *release, const struct klp_entry *all,
		       size_t n)
{
	json_t *list = json_array(), *top;
	char *text;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    list,
		    json_pack("{s:s, s:b, s:b, s:b, s:o}", "name", all[i].name,
			      "registered", all[i].registered, "enabled",
			      all[i].enabled, "transition", all[i].transition,
			      "replace",
			      all[i].replace < 0
				  ? json_null()
				  : json_boolean(all[i].replace)));
	top = json_pack("{s:s, s:o}", "release", release, "livepatches", list);
	text = json_dumps(top, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", text);
	free(text);
	json_decref(top);
}

int cmd_status_kernel(int argc, char **argv)
{
	struct error err = {""};
	struct klp_entry *all;
	struct kload_opts o;
	struct utsname u;
	bool json = false;
	int r = parse(argc, argv, &o, "j", &json);
	size_t n;

	if (r == -2)
		return fputs(status_usage, stdout), 0;
	if (r != 0)
		return fputs(status_usage, stderr), 2;
	if (klp_supported(&err) < 0 || klp_list(&all, &n, &err) < 0) {
		fprintf(stderr, "suture status: %s\n", err.msg);
		return 1;
	}
	uname(&u);
	if (json) {
		print_json(u.release, all, n);
		free(all);
		return 0;
	}
	printf("kernel %s: %zu livepatch%s%s\n", u.release, n,
	       n == 1 ? "" : "es", n > 1 ? ", oldest first" : "");
	for (size_t i = 0; i < n; i++)
		print_entry(i, &all[i]);
	free(all);
	return 0;
}
