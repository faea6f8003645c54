/*
 * enable.c - `suture enable FILE [--target PATH] [--at-start]`, `suture
 * enable --list`, `suture disable NAME|ID`, `suture {en,dis}able
 * --at-start`: the enabled-patch store (persist/store.h) and the preload
 * library that applies its patches to processes as they start
 * (persist/atstart.h).
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/enabledrep.h"
#include "patchfile/patchfile.h"
#include "persist/atstart.h"
#include "persist/match.h"
#include "persist/storepolicy.h"
#include "apply/modules.h"
#include "util/file.h"

static const char usage_text[] =
    "usage: suture enable FILE [--target PATH] [--at-start]\n"
    "       suture enable --list | --at-start\n"
    "       suture disable NAME|ID | --at-start\n"
    "\n"
    "enable keeps a copy of the patch FILE in " STORE_DIR ": every\n"
    "process started later from the build it was made for gets it before\n"
    "its program runs (through " ATSTART_PRELOAD_CONF ", which --at-start\n"
    "sets up), and status and drift report a process that runs that build\n"
    "without it.  The patch must pass what the policy asks for other\n"
    "users' processes.  --target PATH: the installed file the patch is\n"
    "for; if it is now another build (the fixed one), enable says so and\n"
    "does nothing.  disable stops giving it to new processes; processes\n"
    "that have it keep it (suture revert).\n";

static const struct option options[] = {
    {"target", required_argument, NULL, 't'},
    {"at-start", no_argument, NULL, 'a'},
    {"list", no_argument, NULL, 'l'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct enable_args {
	const char *target;
	bool at_start, list;
};

/* List or take out the preload library: 0, or 1 after saying why. */
static int set_at_start(const char *who, bool on)
{
	struct error err = {""};
	bool changed;

	if (atstart_set(on, &changed, &err) < 0)
		return fprintf(stderr, "suture %s: %s\n", who, err.msg), 1;
	printf("%s %s %s%s\n", ATSTART_PRELOAD_CONF,
	       changed ? (on ? "now lists" : "no longer lists")
		       : (on ? "lists" : "does not list"),
	       ATSTART_LIB,
	       on ? ": processes started from now on get their enabled "
		    "patches before they run"
		  : "");
	return 0;
}

/* Whether PATH (--target) is the build @p is for: 0 yes, 1 no (said so:
 * the fixed build), -1 refused. */
static int check_target(const char *target, const struct patch *p,
			char real[PATH_MAX])
{
	char disk[PERSIST_HEX_MAX], want[PERSIST_HEX_MAX];
	struct error err = {""};
	const char *base;

	if (!realpath(target, real))
		return fprintf(stderr, "suture enable: --target %s: %m\n",
			       target),
		       -1;
	if (strchr(real, '\n'))
		return fprintf(stderr,
			       "suture enable: --target %s: a path with a "
			       "newline cannot be stored\n",
			       real),
		       -1;
	base = strrchr(real, '/') + 1;
	if (strcmp(base, p->target_file))
		return fprintf(stderr,
			       "suture enable: --target %s is not %s, the "
			       "file patch '%s' was made for\n",
			       real, p->target_file, p->name),
		       -1;
	if (persist_disk_build(real, disk, &err) < 0)
		return fprintf(stderr, "suture enable: %s\n", err.msg), -1;
	modules_hex(p->build_id, p->build_id_len, want);
	if (!strcmp(disk, want))
		return 0;
	cli_fixed_line(stdout, real, disk, p->name);
	printf("nothing enabled\n");
	return 1;
}

static int enable_checked(const unsigned char *buf, size_t len,
			  const struct patch *p, const struct enable_args *a)
{
	char real[PATH_MAX], bid[PERSIST_HEX_MAX];
	struct error err = {""};
	struct policy pol;
	bool trusted, listed = false;
	int r;

	if (policy_load(&pol, &err) < 0 ||
	    persist_policy_check(&pol, p, &trusted, &err) < 0) {
		policy_free(&pol);
		return fprintf(stderr, "suture enable: %s\n", err.msg), 1;
	}
	policy_free(&pol);
	if (a->target && (r = check_target(a->target, p, real)))
		return r < 0;
	if (store_add(buf, len, p, a->target ? real : NULL, &err) < 0)
		return fprintf(stderr, "suture enable: %s\n", err.msg), 1;
	printf("enabled '%s' (%s) for build %s of %s: processes started "
	       "from it from now on get it before they run; running ones "
	       "keep what they have (suture apply)\n",
	       p->name, p->id, modules_hex(p->build_id, p->build_id_len, bid),
	       p->target_file);
	if (a->at_start)
		return set_at_start("enable", true);
	if (!atstart_listed(&listed, &err) && !listed)
		printf("note: %s does not list %s: nothing applies enabled "
		       "patches when a process starts (suture enable "
		       "--at-start); status and drift report the processes "
		       "that lack it\n",
		       ATSTART_PRELOAD_CONF, ATSTART_LIB);
	return 0;
}

static int enable_file(const char *file, const struct enable_args *a)
{
	struct error err = {""};
	struct patch *p = NULL;
	unsigned char *buf = NULL;
	size_t len;
	int ret = 1;

	if (file_read_regular(file, PATCHFILE_MAX, &buf, &len, &err) < 0 ||
	    patchfile_parse(buf, len, &p, &err) < 0)
		fprintf(stderr, "suture enable: %s: %s\n", file, err.msg);
	else
		ret = enable_checked(buf, len, p, a);
	patch_free(p);
	free(buf);
	return ret;
}

/* One entry of --list: what it is and whether it can be applied. */
static void list_entry(const struct store_entry *e)
{
	char disk[PERSIST_HEX_MAX];
	struct error err = {""};
	struct patch *p;

	printf("  %s (%s) for build %s", e->name, e->id, e->build_id);
	if (e->path)
		printf(" of %s", e->path);
	if (store_load(e, &p, &err) < 0) {
		printf(": REFUSED: %s\n", err.msg);
		return;
	}
	printf("%s%s, %s\n", e->path ? "" : " of ",
	       e->path ? "" : p->target_file,
	       p->signer ? "signed" : "unsigned");
	if (e->path && !persist_disk_build(e->path, disk, &err) &&
	    strcmp(disk, e->build_id))
		cli_fixed_line(stdout, e->path, disk, e->name);
	patch_free(p);
}

static int list(void)
{
	struct error err = {""};
	struct store s;
	bool listed;

	if (store_read(&s, &err) < 0 || atstart_listed(&listed, &err) < 0)
		return fprintf(stderr, "suture enable: %s\n", err.msg), 1;
	printf("%zu enabled patch%s (%s)%s\n", s.n, s.n == 1 ? "" : "es",
	       STORE_DIR, s.n ? ":" : "");
	for (size_t i = 0; i < s.n; i++)
		list_entry(&s.v[i]);
	printf("at start: %s %s %s\n", ATSTART_PRELOAD_CONF,
	       listed ? "lists" : "does not list", ATSTART_LIB);
	store_free(&s);
	return 0;
}

/* Options into @a; the number of operands, -1 on a usage error, -2 for
 * --help. */
static int parse_options(int argc, char **argv, struct enable_args *a,
			 bool targets)
{
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (c == 'h')
			return -2;
		if (c == 'a')
			a->at_start = true;
		else if (c == 'l' && targets)
			a->list = true;
		else if (c == 't' && targets)
			a->target = optarg;
		else
			return -1;
	}
	return argc - optind;
}

int cmd_enable(int argc, char **argv)
{
	struct enable_args a = {0};
	int n = parse_options(argc, argv, &a, true);

	if (n == -2)
		return fputs(usage_text, stdout), 0;
	if (n == 1 && !a.list)
		return enable_file(argv[optind], &a);
	if (n == 0 && a.list && !a.at_start && !a.target)
		return list();
	if (n == 0 && a.at_start && !a.target)
		return set_at_start("enable", true);
	return fputs(usage_text, stderr), 2;
}

int cmd_disable(int argc, char **argv)
{
	struct enable_args a = {0};
	int n = parse_options(argc, argv, &a, false);
	struct store_entry gone;
	struct error err = {""};

	if (n == -2)
		return fputs(usage_text, stdout), 0;
	if (n == 0 && a.at_start)
		return set_at_start("disable", false);
	if (n != 1 || a.at_start)
		return fputs(usage_text, stderr), 2;
	if (store_remove(argv[optind], &gone, &err) < 0)
		return fprintf(stderr, "suture disable: %s\n", err.msg), 1;
	printf("disabled '%s' (%s): processes started from now on do not get "
	       "it; processes that have it keep it (suture revert PID %s)\n",
	       gone.name, gone.id, gone.name);
	free(gone.path);
	return 0;
}
