/* targets.c - processes chosen by what they run (targets.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "process/modules.h"
#include "process/proc.h"
#include "apply/status.h"
#include "cli/fanout.h"
#include "cli/targets.h"
#include "fleet/procinfo.h"
#include "fleet/scan.h"
#include "patchfile/patch.h"
#include "util/xalloc.h"

/* How far up a process tree targets_warn_tree looks. */
#define TREE_DEPTH 64

int targets_option(int c, const char *arg, struct targets_filter *f)
{
	char *real;

	if (c == 'x') {
		/* a program deleted on disk by an upgrade keeps its name */
		if (!(real = realpath(arg, NULL)) && arg[0] != '/') {
			fprintf(stderr, "suture: --exe %s: %s\n", arg,
				strerror(errno));
			return -1;
		}
		free(f->exe);
		f->exe = real ? real : xstrdup(arg);
	} else if (c == 'u') {
		free(f->unit);
		f->unit = strchr(arg, '.') ? xstrdup(arg)
					   : xasprintf("%s.service", arg);
	} else if (c == 'p') {
		free(f->pids);
		return fanout_parse_pids(arg, &f->pids, &f->npids) < 0 ? -1 : 0;
	} else {
		return 1;
	}
	return 0;
}

bool targets_narrowed(const struct targets_filter *f)
{
	return f->exe || f->unit || f->pids;
}

void targets_filter_free(struct targets_filter *f)
{
	free(f->exe);
	free(f->unit);
	free(f->pids);
	memset(f, 0, sizeof(*f));
}

static bool has_pid(const pid_t *v, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

/* Whether @pid passes the narrowing options. */
static bool passes(const struct targets_filter *f, pid_t pid)
{
	char exe[4096];

	if (f->exe &&
	    (!procinfo_exe(pid, exe, sizeof(exe)) || strcmp(exe, f->exe)))
		return false;
	if (f->unit && !procinfo_in_unit(pid, f->unit))
		return false;
	return !f->pids || has_pid(f->pids, f->npids, pid);
}

/* A walk's question and what it chose. */
struct pick {
	const unsigned char *id; /* the build-id form, or */
	size_t len;
	const char *name;	     /* revert's: a live patch of this name */
	const struct patch *applied; /* apply's patch */
	const struct targets_filter *f;
	struct targets *t;
	size_t cap;
};

/* Whether @pid has a live patch named @name, and with the patch file id
 * @id unless that is NULL. */
static bool has_patch(pid_t pid, const char *name, const char *id)
{
	struct error quiet = {""};
	struct state st;
	bool has = false;

	if (status_read(pid, &st, &quiet) < 0)
		return false;
	for (size_t i = 0; i < st.n; i++)
		has = has || (!strcmp(st.v[i].name, name) &&
			      (!id || !strcmp(st.v[i].id, id)));
	state_free(&st);
	return has;
}

/* A process that may run the module, but whose file suture could not
 * open to know: said, never silently passed over. */
static void note_unread(const struct fleet_proc *p)
{
	char comm[64];

	printf("note: process %d (%s) maps %s, which suture could not open "
	       "to read its build-id (replaced on disk since, and "
	       "/proc/%d/map_files needs CAP_SYS_ADMIN): it may run the "
	       "module; run suture as root to know\n",
	       p->pid, proc_comm(p->pid, p->pid, comm, sizeof(comm)), p->unread,
	       p->pid);
}

static void pick_visit(const struct fleet_proc *p, void *arg)
{
	struct pick *k = arg;

	if (k->id && p->unread && !fleet_maps_id(p, k->id, k->len) &&
	    passes(k->f, p->pid))
		note_unread(p);

	if (k->id && !fleet_maps_id(p, k->id, k->len))
		return;
	if (k->name && (!p->nregions || !has_patch(p->pid, k->name, NULL)))
		return;
	if (!passes(k->f, p->pid))
		return;
	XGROW(k->t->pids, k->cap, k->t->n);
	k->t->pids[k->t->n++] = p->pid;
}

/* Whether @pid runs the suture program (another suture, which maps the
 * same libraries: never a target). */
static bool is_suture(pid_t pid)
{
	struct stat self, other;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	return !stat("/proc/self/exe", &self) && !stat(path, &other) &&
	       self.st_dev == other.st_dev && self.st_ino == other.st_ino;
}

/* Why @pid cannot be patched, as a category of the summary; NULL if it
 * can (as far as can be known before attaching), its line printed. */
static const char *skip_reason(pid_t pid, const struct patch *applied)
{
	struct error err = {""};
	char comm[64];
	int r;

	if (is_suture(pid)) {
		printf("skipped process %d (%s): suture itself is never a "
		       "target\n",
		       pid, proc_comm(pid, pid, comm, sizeof(comm)));
		return "suture itself";
	}
	if (applied && has_patch(pid, applied->name, applied->id)) {
		printf(
		    "skipped process %d (%s): patch '%s' is applied already\n",
		    pid, proc_comm(pid, pid, comm, sizeof(comm)),
		    applied->name);
		return "applied already";
	}
	/* another suture at work: apply waits for it, as for a PID */
	if ((r = proc_check_target(pid, &err)) == 0 || r == -EAGAIN)
		return NULL;
	printf("skipped process %d: %s\n", pid, err.msg);
	return r == -EBUSY   ? "traced by another process"
	       : r == -EPERM ? "not permitted"
	       : r == -ESRCH ? "exited"
			     : "not patchable";
}

/* Add one skipped process of @reason to t->why ("2 traced by ..."). */
static void count_skip(struct targets *t, const char **seen, size_t *counts,
		       size_t *nseen, const char *reason)
{
	size_t i, used = 0;

	for (i = 0; i < *nseen && strcmp(seen[i], reason); i++)
		;
	if (i == *nseen)
		seen[(*nseen)++] = reason;
	counts[i]++;
	t->skipped++;
	t->why[0] = '\0';
	for (i = 0; i < *nseen; i++)
		used += (size_t)snprintf(t->why + used, sizeof(t->why) - used,
					 "%s%zu %s", i ? ", " : "", counts[i],
					 seen[i]);
}

/* Drop the processes that cannot be patched from t->pids, and those that
 * have the patch named @applied already. */
static void screen(struct targets *t, const struct patch *applied)
{
	/* the six reasons skip_reason gives */
	const char *seen[6];
	size_t counts[6] = {0}, nseen = 0, kept = 0;

	for (size_t i = 0; i < t->n; i++) {
		const char *why = skip_reason(t->pids[i], applied);

		if (!why)
			t->pids[kept++] = t->pids[i];
		else
			count_skip(t, seen, counts, &nseen, why);
		t->already += why && !strcmp(why, "applied already");
	}
	t->n = kept;
}

/* Walk /proc for @k; -1 after printing why if nothing is left. */
static int choose(struct pick *k, const char *who, const char *what)
{
	struct error err = {""};
	struct fleet_stats st;

	memset(k->t, 0, sizeof(*k->t));
	if (fleet_scan(pick_visit, k, k->id ? 0 : FLEET_REGIONS_ONLY, &st,
		       &err) < 0) {
		fprintf(stderr, "suture %s: %s\n", who, err.msg);
		return -1;
	}
	if (st.unreadable)
		printf("note: %zu process%s could not be examined (reading "
		       "%s memory map was not permitted)\n",
		       st.unreadable, st.unreadable == 1 ? "" : "es",
		       st.unreadable == 1 ? "its" : "their");
	for (size_t i = 0; k->f->pids && i < k->f->npids; i++)
		if (!has_pid(k->t->pids, k->t->n, k->f->pids[i]))
			printf("note: process %d is left alone: it does not "
			       "run %s\n",
			       k->f->pids[i], what);
	if (!k->t->n) {
		fprintf(stderr, "suture %s: no process%s runs %s\n", who,
			targets_narrowed(k->f) ? " chosen by --exe, --unit or "
						 "--pid"
					       : "",
			what);
		return -1;
	}
	screen(k->t, k->applied);
	return 0;
}

int targets_by_id(const struct patch *p, const struct targets_filter *f,
		  const char *who, struct targets *t)
{
	char hex[2 * PATCH_BUILD_ID_MAX + 1], what[128];
	struct pick k = {.id = p->build_id,
			 .len = p->build_id_len,
			 .applied = p,
			 .f = f,
			 .t = t};

	snprintf(what, sizeof(what), "the module with build-id %s",
		 modules_hex(p->build_id, p->build_id_len, hex));
	return choose(&k, who, what);
}

int targets_by_patch(const char *name, const struct targets_filter *f,
		     const char *who, struct targets *t)
{
	char what[128];
	struct pick k = {.name = name, .f = f, .t = t};

	snprintf(what, sizeof(what), "a live patch named '%s'", name);
	return choose(&k, who, what);
}

void targets_free(struct targets *t)
{
	free(t->pids);
	memset(t, 0, sizeof(*t));
}

/* Warn once about ancestor @a of @pid, which runs @path unpatched. */
static void warn_ancestor(pid_t a, pid_t pid, bool parent, const char *path)
{
	char comm[64];

	printf("warning: process %d (%s), the %s of %d, runs the same code "
	       "(%s) and is not patched: the processes it forks from now on "
	       "run the old code; patch it too (add its PID), or patch by "
	       "build-id (suture apply FILE)\n",
	       a, proc_comm(a, a, comm, sizeof(comm)),
	       parent ? "parent" : "ancestor", pid, path);
}

/* The ancestors to look at: above[k] is an ancestor of the target
 * below[k]; each target's are listed together, nearest first. */
struct ancestors {
	const unsigned char *id;
	size_t len;
	pid_t *above, *below;
	size_t n, cap_above, cap_below;
};

static void anc_visit(const struct fleet_proc *p, void *arg)
{
	const struct ancestors *t = arg;
	const struct fleet_module *m = fleet_maps_id(p, t->id, t->len);
	size_t k = 0;

	while (m && t->above[k] != p->pid)
		k++; /* it was listed, so it is there */
	if (m)
		warn_ancestor(p->pid, t->below[k],
			      !k || t->below[k - 1] != t->below[k], m->path);
}

/* List @pid's ancestors in @t, up to one that is a target (its own are
 * listed from it) or listed already (from another target). */
static void list_above(struct ancestors *t, pid_t pid, const pid_t *pids,
		       size_t n)
{
	pid_t a = proc_parent(pid);

	for (int d = 0; a > 0 && d < TREE_DEPTH; d++) {
		if (has_pid(pids, n, a) || has_pid(t->above, t->n, a))
			break;
		XGROW(t->above, t->cap_above, t->n);
		XGROW(t->below, t->cap_below, t->n);
		t->above[t->n] = a;
		t->below[t->n++] = pid;
		/* the first process of a PID namespace has no parent in it */
		a = a == 1 ? 0 : proc_parent(a);
	}
}

/* One walk for all the ancestors: up a tree of shells or under one
 * supervisor they map the same libraries, whose build-ids it reads once. */
void targets_warn_tree(const pid_t *pids, size_t n, const unsigned char *id,
		       size_t len)
{
	struct ancestors t = {.id = id, .len = len};

	for (size_t i = 0; i < n; i++)
		list_above(&t, pids[i], pids, n);
	/* an ancestor runs the same code only if it maps it executable */
	fleet_scan_pids(t.above, t.n, FLEET_CODE_ONLY, anc_visit, &t);
	free(t.above);
	free(t.below);
}

void targets_summary(const char *verb, size_t n, size_t failed,
		     const struct targets *t)
{
	printf("%s %zu process%s, %zu failed, %zu skipped%s%s%s\n", verb,
	       n - failed, n - failed == 1 ? "" : "es", failed, t->skipped,
	       t->skipped ? " (" : "", t->why, t->skipped ? ")" : "");
}
