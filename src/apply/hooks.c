/* hooks.c - a patch's hooks (hooks.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apply/hooks.h"
#include "apply/link.h"
#include "util/fault.h"
#include "util/xalloc.h"

static const char *const kind_names[HOOK_NKINDS] = {
    [HOOK_PRE_APPLY] = "pre_apply",
    [HOOK_POST_APPLY] = "post_apply",
    [HOOK_PRE_REVERT] = "pre_revert",
    [HOOK_POST_REVERT] = "post_revert",
    [HOOK_RUN_POST_APPLY] = "post_apply hooks",
    [HOOK_RUN_POST_REVERT] = "post_revert hooks",
    [HOOK_RUN_PRE_APPLY] = "pre_apply hooks",
    [HOOK_RUN_PRE_REVERT] = "pre_revert hooks",
};

const char *hook_kind_name(int kind)
{
	return kind >= 0 && kind < HOOK_NKINDS ? kind_names[kind] : "?";
}

/* The runner of each kind of hook, and its flag (byte offset in the data
 * part); the pre-apply runner is checked (its hooks can veto). */
static const struct {
	enum record_hook_kind hooks, runner;
} runners[] = {
    {HOOK_POST_APPLY, HOOK_RUN_POST_APPLY},
    {HOOK_POST_REVERT, HOOK_RUN_POST_REVERT},
    {HOOK_PRE_APPLY, HOOK_RUN_PRE_APPLY},
    {HOOK_PRE_REVERT, HOOK_RUN_PRE_REVERT},
};
#define NRUNNERS   (sizeof(runners) / sizeof(*runners))
#define VETO_BYTE  NRUNNERS /* how many pre-apply hooks the runner called */
#define FLAGS_SIZE 8

/* The kind a section name stands for, or -1. */
static int section_kind(const char *name)
{
	size_t n = strlen(PATCH_HOOK_PREFIX);

	if (strncmp(name, PATCH_HOOK_PREFIX, n))
		return -1;
	for (int k = 0; k <= HOOK_POST_REVERT; k++)
		if (!strcmp(name + n, kind_names[k]))
			return k;
	return -1;
}

static void add_hook(struct record *rec, int kind, const char *name)
{
	rec->hooks =
	    xrealloc(rec->hooks, (rec->nhooks + 1) * sizeof(*rec->hooks));
	rec->hooks[rec->nhooks++] =
	    (struct record_hook){.kind = (uint32_t)kind, .name = xstrdup(name)};
}

/* The hooks of one section; -EINVAL if it is not what suture.h makes. */
static int collect_section(const struct patch *p, const struct patch_section *s,
			   int kind, struct record *rec, struct error *err)
{
	if (kind < 0)
		return error_set(err, -EINVAL,
				 "unknown kind of hook section %s", s->name);
	for (size_t k = 0; k < s->nrelocs; k++) {
		const struct patch_symbol *y = &p->symbols[s->relocs[k].symbol];

		if (y->kind != PSYM_LOCAL || !y->func || s->relocs[k].addend)
			return error_set(err, -EINVAL,
					 "hook section %s points at %s, not "
					 "at a function of the patch",
					 s->name, y->name);
		add_hook(rec, kind, y->name);
	}
	return 0;
}

int hooks_collect(const struct patch *p, struct record *rec, struct error *err)
{
	int r;

	for (size_t i = 0; i < p->nsections; i++) {
		const struct patch_section *s = &p->sections[i];

		if (strncmp(s->name, PATCH_HOOK_PREFIX,
			    strlen(PATCH_HOOK_PREFIX)))
			continue;
		if ((r = collect_section(p, s, section_kind(s->name), rec,
					 err)))
			return r;
	}
	for (size_t i = 0; rec->nhooks && i < NRUNNERS; i++)
		add_hook(rec, runners[i].runner, kind_names[runners[i].runner]);
	return 0;
}

size_t hooks_gates(const struct record *rec)
{
	return rec->nhooks ? NRUNNERS : 0;
}

size_t hooks_data(const struct record *rec)
{
	return rec->nhooks ? FLAGS_SIZE : 0;
}

/* The address of flag @i of @rec (in the data part). */
static uint64_t flag_addr(const struct record *rec, size_t i)
{
	return rec->base + rec->parts[RECORD_PART_DATA].offset + i;
}

/* Write runner @i at @at: it calls the hooks of its kind, then sets its
 * flag. */
static int place_runner(struct record *rec, size_t i, unsigned char *code,
			uint64_t at, struct error *err)
{
	uint64_t *fns = xcalloc(rec->nhooks + 1, sizeof(*fns));
	size_t n = 0, len;
	int r;

	for (size_t k = 0; k < rec->nhooks; k++) {
		if (rec->hooks[k].kind == runners[i].hooks)
			fns[n++] = rec->hooks[k].addr;
		if (rec->hooks[k].kind == runners[i].runner)
			rec->hooks[k].addr = at;
	}
	r = arch_runner_write(
	    code, &len, at, fns, n, flag_addr(rec, i),
	    runners[i].hooks == HOOK_PRE_APPLY ? flag_addr(rec, VETO_BYTE) : 0,
	    err);
	free(fns);
	return r;
}

int hooks_place(const struct patch *p, const struct layout *lay,
		const uint64_t *resolved, struct record *rec,
		unsigned char *image, size_t slot, struct error *err)
{
	size_t n = 0;
	int r;

	for (size_t i = 0; i < p->nsections; i++) {
		const struct patch_section *s = &p->sections[i];

		if (section_kind(s->name) < 0)
			continue;
		for (size_t k = 0; k < s->nrelocs; k++)
			rec->hooks[n++].addr = link_symbol_addr(
			    p, lay, resolved, s->relocs[k].symbol);
	}
	for (size_t i = 0; i < hooks_gates(rec); i++) {
		uint64_t off = lay->gates_off + (slot + i) * ARCH_GATE_MAX;

		if ((r = place_runner(rec, i, image + off, lay->base + off,
				      err)))
			return r;
	}
	return 0;
}

/* The names of @rec's hooks of @kind, "a, b". */
static char *names_of(const struct record *rec, uint32_t kind)
{
	char *s = xstrdup(""), *o;

	for (size_t k = 0; k < rec->nhooks; k++)
		if (rec->hooks[k].kind == kind) {
			o = s;
			s = xasprintf("%s%s%s", o, *o ? ", " : "",
				      rec->hooks[k].name);
			free(o);
		}
	return s;
}

/* "the pre_apply hook f of patch 'x'", "the post_apply hooks of patch 'x'
 * (a, b)": for messages. */
static char *describe(const struct record *rec, const struct record_hook *h)
{
	char *names = NULL, *s;

	if (h->kind < HOOK_RUN_POST_APPLY)
		return xasprintf("the %s hook %s of patch '%s'",
				 kind_names[h->kind], h->name, rec->name);
	for (size_t i = 0; i < NRUNNERS; i++)
		if (runners[i].runner == h->kind)
			names = names_of(rec, runners[i].hooks);
	s = xasprintf("the %s of patch '%s' (%s)", kind_names[h->kind],
		      rec->name, names && *names ? names : "none");
	free(names);
	return s;
}

/* The runner of @kind in @rec, or NULL (a pre kind in a record of an
 * older suture, which calls those hooks one by one). */
static const struct record_hook *runner_of(const struct record *rec,
					   enum record_hook_kind kind)
{
	for (size_t i = 0; i < NRUNNERS; i++)
		for (size_t k = 0; runners[i].hooks == kind && k < rec->nhooks;
		     k++)
			if (rec->hooks[k].kind == runners[i].runner)
				return &rec->hooks[k];
	return NULL;
}

/* The @n-th (from 1) hook of @kind in @rec. */
static const struct record_hook *nth_hook(const struct record *rec,
					  uint32_t kind, unsigned n)
{
	for (size_t k = 0; k < rec->nhooks; k++)
		if (rec->hooks[k].kind == kind && !--n)
			return &rec->hooks[k];
	return NULL;
}

/* The hook a veto returned by @h comes from: for the pre-apply runner, the
 * last hook it called (its veto byte says which). */
static const struct record_hook *vetoer(const struct rsys *rs,
					const struct record *rec,
					const struct record_hook *h)
{
	const struct record_hook *v;
	unsigned char n;

	if (h->kind != HOOK_RUN_PRE_APPLY ||
	    rmem_read(rs->mem, flag_addr(rec, VETO_BYTE), &n, 1, NULL))
		return h;
	v = nth_hook(rec, HOOK_PRE_APPLY, n);
	return v ? v : h;
}

/* Call @h; for a pre-apply hook or runner, a non-zero value is a veto. */
static int call_one(struct session *s, struct rsys *rs,
		    const struct record *rec, const struct record_hook *h,
		    unsigned timeout_ms, struct error *err)
{
	char *what = describe(rec, h);
	long ret;
	int r;

	/* A hook is code the program would not run on its own: a stopped
	 * process must not run it because of suture (the switch itself needs
	 * no instruction of the program's). */
	if (s->stopped) {
		char *run = xasprintf("%s would run", what);

		r = session_stopped_error(s, run, err);
		free(run);
		free(what);
		return r;
	}
	r = rcall(s, rs, h->addr, what, timeout_ms, &ret, err);
	fault_point("hook run");
	free(what);
	if (!r && ret &&
	    (h->kind == HOOK_PRE_APPLY || h->kind == HOOK_RUN_PRE_APPLY)) {
		what = describe(rec, vetoer(rs, rec, h));
		r = error_set(err, -ECANCELED,
			      "%s vetoed the patch: it returned %ld; "
			      "nothing was changed",
			      what, ret);
		free(what);
	}
	return r;
}

int hooks_run(struct session *s, struct rsys *rs, const struct record *rec,
	      enum record_hook_kind kind, unsigned timeout_ms,
	      struct error *err)
{
	const struct record_hook *run = runner_of(rec, kind);
	int r;

	if (run)
		return call_one(s, rs, rec, run, timeout_ms, err);
	for (size_t i = 0; i < rec->nhooks; i++)
		if (rec->hooks[i].kind == kind &&
		    (r = call_one(s, rs, rec, &rec->hooks[i], timeout_ms, err)))
			return r;
	return 0;
}

int hooks_pending(const struct rmem *mem, const struct record *rec)
{
	unsigned char f[NRUNNERS];

	if (!rec->nhooks ||
	    rmem_read(mem, flag_addr(rec, 0), f, sizeof(f), NULL))
		return -1;
	/* f[0] post-apply, f[1] post-revert, f[2] pre-apply, f[3]
	 * pre-revert ran (runners[]) */
	if (rec->live && f[3])
		return HOOK_PRE_REVERT;
	if (rec->live && !f[0])
		return HOOK_POST_APPLY;
	if (!rec->live && f[2] && !f[0] && runner_of(rec, HOOK_PRE_APPLY))
		return HOOK_PRE_APPLY;
	if (!rec->live && f[0] && !f[1])
		return HOOK_POST_REVERT;
	return -1;
}

int hooks_forget(const struct rmem *mem, const struct record *rec,
		 enum record_hook_kind kind)
{
	const unsigned char zero = 0;

	for (size_t i = 0; rec->nhooks && i < NRUNNERS; i++)
		if (runners[i].hooks == kind)
			return rmem_write(mem, flag_addr(rec, i), &zero, 1,
					  NULL);
	return 0;
}

const char *hooks_pending_what(int pending)
{
	switch (pending) {
	case HOOK_PRE_APPLY:
		return "its pre_apply hooks ran, and an interrupted suture did "
		       "not switch it on; the next apply or revert does "
		       "(then runs its post_apply hooks)";
	case HOOK_PRE_REVERT:
		return "its pre_revert hooks ran, and an interrupted suture "
		       "did "
		       "not switch it off; the next apply or revert does "
		       "(then runs its post_revert hooks)";
	case HOOK_POST_APPLY:
		return "its post_apply hooks did not run (an interrupted "
		       "suture); the next apply or revert runs them";
	case HOOK_POST_REVERT:
		return "its post_revert hooks did not run (an interrupted "
		       "suture); the next apply or revert runs them";
	}
	return "nothing";
}
