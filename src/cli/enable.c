/*
 * enable.c - `suture enable FILE [--target PATH] [--at-start]`, `suture
 * enable --list`, `suture disable NAME|ID`, `suture {en,dis}able
 * --at-start`: the enabled-patch store (persist/store.h) and the preload
 * library that applies its patches to processes as they start
 * (persist/atstart.h).
 */
#include <errno.h>
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
#include "trust/audit.h"
#include "process/modules.h"
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

/* Whether PATH (--target) is the build @p is for: 0 yes, 1 no (*disk is
 * the build it is now: the fixed one), or a refusal in @err. */
static int check_target(const char *target, const struct patch *p,
			char real[PATH_MAX], char disk[PERSIST_HEX_MAX],
			struct error *err)
{
	char want[PERSIST_HEX_MAX];
	int ret;

	if (!realpath(target, real))
		return error_set(err, -errno, "--target %s: %s", target,
				 strerror(errno));
	if (strchr(real, '\n'))
		return error_set(err, -EINVAL,
				 "--target %s: a path with a newline cannot "
				 "be stored",
				 real);
	if (strcmp(strrchr(real, '/') + 1, p->target_file))
		return error_set(err, -EINVAL,
				 "--target %s is not %s, the file patch '%s' "
				 "was made for",
				 real, p->target_file, p->name);
	if ((ret = persist_disk_build(real, disk, err)) < 0)
		return ret == -ENOENT
			   ? error_set(err, ret, "--target %s: gone", real)
			   : ret;
	modules_hex(p->build_id, p->build_id_len, want);
	return strcmp(disk, want) != 0;
}

/* Whether the policy lets @p be enabled (storepolicy.h). */
static int may_enable(const struct patch *p, bool *trusted, struct error *err)
{
	struct policy pol;
	int ret;

	*trusted = false;
	if (!(ret = policy_load(&pol, err)))
		ret = persist_policy_check(&pol, p, trusted, err);
	policy_free(&pol);
	return ret;
}

/* The audit line (trust/audit.h) of enabling @p from @file: no process. */
static void audit_enable(const char *file, const struct patch *p, bool trusted,
			 const char *why)
{
	struct audit_event ev = {
	    .action = "enable",
	    .patch = p->name,
	    .id = p->id,
	    .file = file,
	    .signer = p->signer,
	    .signer_known = true,
	    .trusted = trusted,
	    .result = why ? "refused" : "enabled",
	    .why = why,
	};

	audit_log(&ev);
}

/* The audit line of disabling @e. */
static void audit_disable(const struct store_entry *e)
{
	char file[4200];
	struct audit_event ev = {
	    .action = "disable",
	    .patch = e->name,
	    .id = e->id,
	    .file = store_file(e, file, sizeof(file)),
	    .result = "disabled",
	};

	audit_log(&ev);
}

/* Say what enabling @p did, and set up the preload library if asked. */
static int report_enabled(const struct patch *p, const struct enable_args *a)
{
	char bid[PERSIST_HEX_MAX];
	struct error err = {""};
	bool listed = false;

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

static int enable_checked(const char *file, const unsigned char *buf,
			  size_t len, const struct patch *p,
			  const struct enable_args *a)
{
	char real[PATH_MAX], disk[PERSIST_HEX_MAX];
	struct error err = {""};
	bool trusted;
	int r;

	if (!(r = may_enable(p, &trusted, &err)) && a->target)
		r = check_target(a->target, p, real, disk, &err);
	if (r > 0) { /* the fixed build is on disk: nothing to do */
		cli_fixed_line(stdout, real, disk, p->name);
		return printf("nothing enabled\n"), 0;
	}
	if (!r)
		r = store_add(buf, len, p, a->target ? real : NULL, &err);
	audit_enable(file, p, trusted, r ? err.msg : NULL);
	if (r)
		return fprintf(stderr, "suture enable: %s\n", err.msg), 1;
	return report_enabled(p, a);
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
		ret = enable_checked(file, buf, len, p, a);
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
	audit_disable(&gone);
	printf("disabled '%s' (%s): processes started from now on do not get "
	       "it; processes that have it keep it (suture revert PID %s)\n",
	       gone.name, gone.id, gone.name);
	free(gone.path);
	return 0;
}
