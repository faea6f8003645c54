/*
 * statusall.c - `suture status --all [FILE...] [--json]`: every process
 * that runs a patched module, or a module one of the patch FILEs was
 * built for ("patchable": maps its build-id, and the patch is not live in
 * it), from one walk of /proc (fleet/scan.h) without stopping anything.
 *
 * A patch that a process could get is a candidate: the FILEs given, and
 * the patches enabled in the store (persist/store.h), labelled "enabled",
 * so that a process running a build whose enabled patch it lacks (started
 * before `enable`, or without the preload library) is listed without
 * naming any file.  An enabled copy that fails its checks is named on
 * stderr and left out; the walk goes on.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/modules.h"
#include "process/proc.h"
#include "apply/status.h"
#include "cli/perfheal.h"
#include "cli/statusall.h"
#include "fleet/procinfo.h"
#include "fleet/scan.h"
#include "patchfile/patchfile.h"
#include "persist/store.h"
#include "util/xalloc.h"

/* A patch a process could get, and where it comes from. */
struct candidate {
	const char *label; /* the FILE given */
	struct patch *p;
};

struct walk_ctx {
	const struct candidate *c;
	size_t nc;
	json_t *rows; /* --json, else NULL */
	size_t applied, patchable, unknown;
};

/* The candidates @p could get, as JSON (an empty array if none). */
static json_t *patchable(const struct walk_ctx *w, const struct fleet_proc *p,
			 const struct state *st)
{
	json_t *a = json_array();

	for (size_t i = 0; i < w->nc; i++) {
		const struct patch *c = w->c[i].p;
		const struct fleet_module *m =
		    fleet_maps_id(p, c->build_id, c->build_id_len);

		if (m && !state_has_id(st, c->id))
			json_array_append_new(
			    a,
			    json_pack("{s:s, s:s, s:s, s:b}", "file",
				      w->c[i].label, "name", c->name, "module",
				      m->path, "deleted", m->deleted));
	}
	return a;
}

/* The live patches of @st as JSON. */
static json_t *applied(const struct state *st)
{
	json_t *a = json_array();

	for (size_t i = 0; st && i < st->n; i++)
		json_array_append_new(
		    a, json_pack("{s:s, s:s, s:s}", "name", st->v[i].name, "id",
				 st->v[i].id, "target", st->v[i].target_file));
	return a;
}

/* One process's lines of the text report. */
static void print_row(const json_t *row)
{
	size_t i;
	json_t *e;

	printf("process %d (%s) %s\n",
	       (int)json_integer_value(json_object_get(row, "pid")),
	       json_string_value(json_object_get(row, "command")),
	       json_string_value(json_object_get(row, "exe")));
	json_array_foreach(json_object_get(row, "applied"), i, e)
	    printf("  applied:   %s (%s)\n",
		   json_string_value(json_object_get(e, "name")),
		   json_string_value(json_object_get(e, "target")));
	json_array_foreach(json_object_get(row, "patchable"), i, e)
	    printf("  patchable: %s (patch '%s' for %s)\n",
		   json_string_value(json_object_get(e, "file")),
		   json_string_value(json_object_get(e, "name")),
		   json_string_value(json_object_get(e, "module")));
	if (json_is_string(json_object_get(row, "unread")))
		printf("  unknown:   maps %s, which suture could not open "
		       "(replaced on disk since, and map_files needs "
		       "CAP_SYS_ADMIN): it may be patchable\n",
		       json_string_value(json_object_get(row, "unread")));
	if (json_integer_value(json_object_get(row, "other_regions")))
		printf("  and regions that are no live patch (retained, or "
		       "left by an interrupted suture): suture status %d\n",
		       (int)json_integer_value(json_object_get(row, "pid")));
}

/* The row of @p, or NULL if it has nothing applied and nothing to get. */
static json_t *make_row(struct walk_ctx *w, const struct fleet_proc *p,
			const struct state *st)
{
	json_t *live = applied(st), *can = patchable(w, p, st);
	char exe[4096], comm[64];
	size_t other = st ? st->ndead + st->nold + st->nkept : 0;
	/* a file it maps could be a candidate's: say so, never pass over */
	const char *unread = w->nc && !json_array_size(can) ? p->unread : NULL;

	if (!json_array_size(live) && !json_array_size(can) && !other &&
	    !unread) {
		json_decref(live);
		json_decref(can);
		return NULL;
	}
	w->applied += json_array_size(live) > 0;
	w->patchable += json_array_size(can) > 0;
	w->unknown += unread != NULL;
	return json_pack("{s:i, s:s, s:s, s:o, s:o, s:I, s:s?}", "pid",
			 (int)p->pid, "command",
			 proc_comm(p->pid, p->pid, comm, sizeof(comm)), "exe",
			 procinfo_exe(p->pid, exe, sizeof(exe)) ?: "?",
			 "applied", live, "patchable", can, "other_regions",
			 (json_int_t)other, "unread", unread);
}

static void visit(const struct fleet_proc *p, void *arg)
{
	struct walk_ctx *w = arg;
	struct error quiet = {""};
	struct state st;
	bool have = p->nregions && !status_read(p->pid, &st, &quiet);
	json_t *row = make_row(w, p, have ? &st : NULL);

	if (have) {
		perfheal_one(p->pid, &st);
		state_free(&st);
	}
	if (!row)
		return;
	if (w->rows)
		json_array_append_new(w->rows, row);
	else
		print_row(row), json_decref(row);
}

/* Read the patch FILEs into @c; -1 after printing why one cannot be. */
static int read_candidates(char **files, size_t n, struct candidate *c)
{
	struct error err = {""};

	for (size_t i = 0; i < n; i++) {
		c[i].label = files[i];
		if (patchfile_read(files[i], &c[i].p, &err) < 0) {
			fprintf(stderr, "suture status: %s\n", err.msg);
			return -1;
		}
	}
	return 0;
}

/* The walk and its last line, or the JSON document. */
static int report(struct walk_ctx *w, bool json)
{
	struct error err = {""};
	struct fleet_stats st;
	json_t *top;
	char *text;

	if (fleet_scan(visit, w, w->nc ? 0 : FLEET_REGIONS_ONLY, &st, &err)) {
		fprintf(stderr, "suture status: %s\n", err.msg);
		return 1;
	}
	if (!json) {
		printf("%zu process%s with patches applied, %zu patchable by "
		       "the files given or enabled, %zu unknown; %zu examined, "
		       "%zu not readable\n",
		       w->applied, w->applied == 1 ? "" : "es", w->patchable,
		       w->unknown, st.procs, st.unreadable);
		return 0;
	}
	top =
	    json_pack("{s:O, s:I, s:I, s:I}", "processes", w->rows, "unknown",
		      (json_int_t)w->unknown, "examined", (json_int_t)st.procs,
		      "not_readable", (json_int_t)st.unreadable);
	text = json_dumps(top, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", text);
	free(text);
	json_decref(top);
	return 0;
}

/* Add the store's enabled patches to @c (room for s->n); how many. */
static size_t read_enabled(const struct store *s, struct candidate *c)
{
	struct error err = {""};
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (store_load(&s->v[i], &c[k].p, &err) < 0) {
			fprintf(stderr,
				"suture status: enabled patch %s left out: "
				"%s\n",
				s->v[i].name, err.msg);
			continue;
		}
		c[k++].label = "enabled";
	}
	return k;
}

int cli_status_all(char **files, size_t n, bool json)
{
	struct error err = {""};
	struct store s = {0};
	struct candidate *c;
	struct walk_ctx w = {0};
	int r = 1;

	if (store_read(&s, &err) < 0)
		fprintf(stderr, "suture status: %s; enabled patches left out\n",
			err.msg);
	c = xcalloc(n + s.n + 1, sizeof(*c));
	w.c = c;
	if (read_candidates(files, n, c) == 0) {
		w.nc = n + read_enabled(&s, c + n);
		w.rows = json ? json_array() : NULL;
		r = report(&w, json);
		json_decref(w.rows);
	}
	for (size_t i = 0; i < n + s.n; i++)
		patch_free(c[i].p);
	free(c);
	store_free(&s);
	return r;
}
