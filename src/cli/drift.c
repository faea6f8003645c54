/*
 * drift.c - `suture drift PID [BINARY] [--diff] [--json]`: how a running
 * process differs from a binary, function by function, read from the
 * process without stopping it.  Exit status as diff(1): 0 no difference,
 * 1 differences, 2 trouble.
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/shadow.h"
#include "cli/perfheal.h"
#include "cli/commands.h"
#include "cli/enabledrep.h"
#include "cli/pidarg.h"
#include "drift/drift.h"
#include "review/review.h"

static const char usage_text[] =
    "usage: suture drift PID [BINARY] [--diff] [--json]\n"
    "\n"
    "Show how process PID differs from BINARY (say the release built from\n"
    "the patched source): for every function, whether the code the process\n"
    "runs (its own, or a live patch's) is the same as BINARY's, compared\n"
    "with symbols so that other layouts compare equal; functions only in\n"
    "one of them; variables missing or of another size; the patches and\n"
    "shadow data; both build-ids.  Without BINARY, the file the process\n"
    "was started from: exactly what live patches changed.  --diff (-v)\n"
    "lists the code of differing functions, lines only in the process\n"
    "marked '-', only in BINARY '+'.  Exit status 0: no difference,\n"
    "1: differences, 2: trouble.\n";

static const struct option options[] = {
    {"diff", no_argument, NULL, 'v'},
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const char *build_id(const unsigned char *id, size_t len,
			    char buf[2 * PATCH_BUILD_ID_MAX + 1])
{
	return len ? modules_hex(id, len, buf) : "none";
}

/* "name (file)" of an item, into @buf. */
static const char *item_name(const struct inventory_item *it, char *buf,
			     size_t len)
{
	if (it->file)
		snprintf(buf, len, "%s (%s)", it->sym->name, it->file);
	else
		snprintf(buf, len, "%s", it->sym->name);
	return buf;
}

/* What the process runs for a differing function, in words. */
static void print_runs(const struct drift_func *f)
{
	const struct procview_code *c = &f->code;

	if (c->patch)
		printf("runs patch '%s' (%" PRIu64 ".)%s\n", c->patch->name,
		       c->patch->seq,
		       c->entry_odd ? "; its entry does not jump there as the "
				      "record says"
				    : "");
	else if (c->pending)
		printf("runs its own code through the gate of patch '%s', "
		       "whose apply or revert is in progress or was "
		       "interrupted\n",
		       c->pending->name);
	else
		printf("runs the module's own code\n");
}

static void print_head(const struct drift *d)
{
	char a[2 * PATCH_BUILD_ID_MAX + 1], b[2 * PATCH_BUILD_ID_MAX + 1];
	const struct module *m = d->pv.mod;
	const struct state *st = &d->pv.st;
	/* no build-id on either side proves nothing */
	bool same = m->build_id_len &&
		    m->build_id_len == d->bin->build_id_len &&
		    !memcmp(m->build_id, d->bin->build_id, m->build_id_len);

	printf("process %d: %s (build-id %s)\n", d->pv.pid, m->path,
	       build_id(m->build_id, m->build_id_len, a));
	printf("binary:     %s (build-id %s)%s\n",
	       d->own_file ? "its own file" : d->bin->path,
	       build_id(d->bin->build_id, d->bin->build_id_len, b),
	       !d->own_file && same ? ", the same build" : "");
	printf("patches:    %s", st->n ? "" : "none");
	for (size_t i = 0; i < st->n; i++)
		printf("%s%" PRIu64 ". %s%s%s%s", i ? ", " : "", st->v[i].seq,
		       st->v[i].name, st->v[i].on[0] ? " (on " : "",
		       st->v[i].on, st->v[i].on[0] ? ")" : "");
	printf("\n");
	for (size_t i = 0; i < st->ndead; i++)
		printf("            %s: commit byte clear (apply or revert in "
		       "progress, or interrupted)\n",
		       st->dead[i].name);
	for (size_t i = 0; i < st->nold; i++)
		printf("            %s: replaced, memory not freed yet\n",
		       st->old[i].name);
}

static void print_kind(const struct drift *d, enum drift_kind k,
		       const char *title)
{
	char name[300];

	if (!d->count[k])
		return;
	printf("%s\n", title);
	for (size_t i = 0; i < d->nfuncs; i++) {
		const struct drift_func *f = &d->funcs[i];

		if (f->kind != k)
			continue;
		item_name(f->bin ? f->bin : f->proc, name, sizeof(name));
		if (k != DRIFT_DIFFERS) {
			printf("  %s\n", name);
			continue;
		}
		printf("  %-32s ", name);
		print_runs(f);
	}
}

static void print_vars(const struct drift *d)
{
	char name[300];

	printf("variables:  %zu alike, %zu differ\n", d->vars_alike, d->nvars);
	for (size_t i = 0; i < d->nvars; i++) {
		const struct drift_var *v = &d->vars[i];

		if (!v->proc)
			printf("  %-32s missing from the process (%" PRIu64
			       " bytes)\n",
			       item_name(v->bin, name, sizeof(name)),
			       v->bin->sym->size);
		else if (!v->bin)
			printf("  %-32s only in the process\n",
			       item_name(v->proc, name, sizeof(name)));
		else
			printf("  %-32s %" PRIu64
			       " bytes in the process, %" PRIu64
			       " in the binary\n",
			       item_name(v->bin, name, sizeof(name)),
			       v->proc->sym->size, v->bin->sym->size);
	}
}

/* Shadow-data tables the live patches use, with the bytes they hold. */
static void print_shadow(const struct drift *d)
{
	const struct state *st = &d->pv.st;
	uint64_t held;

	for (size_t i = 0; i < st->n; i++) {
		if (!st->v[i].shadow ||
		    (i && st->v[i - 1].shadow == st->v[i].shadow))
			continue;
		shadow_held(&d->pv.mem, st->v[i].shadow, &held);
		printf("shadow data: table at %#" PRIx64 " (patch '%s' and "
		       "later ones) holds %" PRIu64 " bytes\n",
		       st->v[i].shadow, st->v[i].name, held);
	}
}

static void print_diffs(const struct drift *d)
{
	for (size_t i = 0; i < d->nfuncs; i++) {
		const struct drift_func *f = &d->funcs[i];
		char name[300];

		if (f->kind != DRIFT_DIFFERS)
			continue;
		printf("\n=== %s: %" PRIu64 " bytes in the process, %" PRIu64
		       " in the binary\n",
		       item_name(f->bin, name, sizeof(name)), f->code.size,
		       f->bin->sym->size);
		printf("    (%zu instructions differ)\n",
		       review_print_diff(&f->lproc, &f->lbin, stdout));
	}
}

static void print_text(const struct drift *d, bool diff)
{
	print_head(d);
	printf("functions:  %zu identical, %zu differ, %zu only in the "
	       "binary, %zu only in the process\n",
	       d->count[DRIFT_SAME], d->count[DRIFT_DIFFERS],
	       d->count[DRIFT_ONLY_BINARY], d->count[DRIFT_ONLY_PROCESS]);
	print_kind(d, DRIFT_DIFFERS, "differ:");
	print_kind(d, DRIFT_ONLY_BINARY,
		   "only in the binary (the process lacks them: no patch "
		   "brought them, or its code inlines them):");
	print_kind(d, DRIFT_ONLY_PROCESS, "only in the process:");
	print_vars(d);
	print_shadow(d);
	if (diff)
		print_diffs(d);
}

static json_t *json_item(const struct inventory_item *it)
{
	return json_pack("{s:s, s:s?, s:I}", "name", it->sym->name, "file",
			 it->file, "size", (json_int_t)it->sym->size);
}

static json_t *json_func(const struct drift_func *f)
{
	const struct procview_code *c = &f->code;
	json_t *o = json_item(f->bin ? f->bin : f->proc);

	if (f->kind != DRIFT_DIFFERS)
		return o;
	json_object_set_new(o, "runs",
			    json_string(c->patch     ? "patch"
					: c->pending ? "gate"
						     : "module"));
	json_object_set_new(o, "patch",
			    c->patch	 ? json_string(c->patch->name)
			    : c->pending ? json_string(c->pending->name)
					 : json_null());
	json_object_set_new(o, "entry_odd", json_boolean(c->entry_odd));
	return o;
}

static json_t *json_funcs(const struct drift *d)
{
	static const char *const keys[DRIFT_NKINDS] = {
	    "identical", "differ", "only_in_binary", "only_in_process"};
	json_t *o = json_object(), *lists[DRIFT_NKINDS];

	for (int k = 0; k < DRIFT_NKINDS; k++)
		json_object_set_new(o, keys[k], lists[k] = json_array());
	for (size_t i = 0; i < d->nfuncs; i++)
		json_array_append_new(lists[d->funcs[i].kind],
				      json_func(&d->funcs[i]));
	return o;
}

static json_t *json_vars(const struct drift *d)
{
	json_t *missing = json_array(), *resized = json_array();
	json_t *extra = json_array();

	for (size_t i = 0; i < d->nvars; i++) {
		const struct drift_var *v = &d->vars[i];
		json_t *o = json_item(v->bin ? v->bin : v->proc);

		if (v->bin && v->proc)
			json_object_set_new(
			    o, "process_size",
			    json_integer((json_int_t)v->proc->sym->size));
		json_array_append_new(!v->proc	? missing
				      : !v->bin ? extra
						: resized,
				      o);
	}
	return json_pack("{s:I, s:o, s:o, s:o}", "alike",
			 (json_int_t)d->vars_alike, "missing_from_process",
			 missing, "other_size", resized, "only_in_process",
			 extra);
}

/* The patches of @v: name, seq, base, and the bytes the shadow-data table
 * it uses holds (null if it uses none). */
static json_t *json_patches(const struct drift *d, const struct record *v,
			    size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		uint64_t held = 0;
		json_t *shadow = json_null();

		if (v[i].shadow && !shadow_held(&d->pv.mem, v[i].shadow, &held))
			shadow = json_integer((json_int_t)held);
		json_array_append_new(
		    a, json_pack("{s:I, s:s, s:s, s:o}", "seq",
				 (json_int_t)v[i].seq, "name", v[i].name, "on",
				 v[i].on, "shadow_bytes", shadow));
	}
	return a;
}

static json_t *json_build(const char *path, const unsigned char *id, size_t len)
{
	char hex[2 * PATCH_BUILD_ID_MAX + 1];

	return json_pack("{s:s, s:s}", "path", path, "build_id",
			 build_id(id, len, hex));
}

/* Returns how many enabled patches the process lacks (enabledrep.h). */
static size_t print_json(const struct drift *d)
{
	const struct state *st = &d->pv.st;
	const struct module *m = d->pv.mod;
	json_t *top, *enabled;
	size_t lacking;
	char *text;

	enabled = cli_enabled_json(d->pv.pid, &lacking);
	top = json_pack(
	    "{s:i, s:b, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:i, s:o}",
	    "pid", (int)d->pv.pid, "drift", drift_differs(d) || lacking,
	    "module", json_build(m->path, m->build_id, m->build_id_len),
	    "binary",
	    json_build(d->bin->path, d->bin->build_id, d->bin->build_id_len),
	    "binary_is_own_file", d->own_file, "patches",
	    json_patches(d, st->v, st->n), "in_progress",
	    json_patches(d, st->dead, st->ndead), "superseded",
	    json_patches(d, st->old, st->nold), "functions", json_funcs(d),
	    "variables", json_vars(d), "readings", (int)d->readings, "enabled",
	    enabled);
	text = json_dumps(top, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", text);
	free(text);
	json_decref(top);
	return lacking;
}

int cmd_drift(int argc, char **argv)
{
	bool json = false, diff = false;
	struct error err = {""};
	struct drift d;
	pid_t pid;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vjh", options, NULL)) != -1) {
		if (c == 'h')
			return fputs(usage_text, stdout), 0;
		if (c == '?')
			return fputs(usage_text, stderr), 2;
		*(c == 'j' ? &json : &diff) = true;
	}
	if (argc - optind < 1 || argc - optind > 2 ||
	    cli_parse_pid(argv[optind], &pid) < 0)
		return fputs(usage_text, stderr), 2;
	if (drift_compute(pid, argv[optind + 1], &d, &err) < 0) {
		fprintf(stderr, "suture drift: %s\n", err.msg);
		drift_free(&d);
		return 2;
	}
	/* an enabled patch the process lacks is a difference too */
	if (json)
		c = print_json(&d) > 0;
	else {
		print_text(&d, diff);
		c = cli_enabled_print(pid) > 0;
	}
	c |= drift_differs(&d);
	perfheal_one(pid, &d.pv.st);
	drift_free(&d);
	return c;
}
