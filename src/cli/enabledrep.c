/* enabledrep.c - enabled patches in `status` and `drift` (see
 * enabledrep.h). */
#include <string.h>

#include "cli/enabledrep.h"
#include "persist/match.h"
#include "process/proc.h"

void cli_fixed_line(FILE *f, const char *path, const char *disk,
		    const char *name)
{
	size_t n = proc_path_len(path, NULL);

	fprintf(f,
		"%.*s on disk is now build %s (not the one patch %s was made "
		"for): processes started from it need no patch; restart or "
		"keep the patched ones\n",
		(int)n, path, disk, name);
}

/* The store and what of it concerns @pid; a warning if it cannot. */
static int read_matches(pid_t pid, struct store *s, struct persist_matches *m)
{
	struct error err = {""};

	*m = (struct persist_matches){0};
	if (store_read(s, &err) || persist_match(pid, s, m, &err)) {
		fprintf(stderr,
			"warning: the enabled patches (%s) cannot be "
			"checked: %s\n",
			STORE_DIR, err.msg);
		store_free(s);
		return -1;
	}
	return 0;
}

size_t cli_enabled_print(pid_t pid)
{
	struct persist_matches m;
	size_t lacking = 0;
	struct store s;

	if (read_matches(pid, &s, &m))
		return 0;
	for (size_t i = 0; i < m.n; i++) {
		const struct persist_match *x = &m.v[i];

		if (!x->applied && ++lacking)
			printf("enabled patch %s (%s) is NOT applied to this "
			       "process (it runs build %s of %s); suture "
			       "apply --enabled %d applies it\n",
			       x->e->name, x->e->id, x->e->build_id, x->module,
			       pid);
		if (x->disk[0])
			cli_fixed_line(stdout, x->module, x->disk, x->e->name);
	}
	persist_matches_free(&m);
	store_free(&s);
	return lacking;
}

json_t *cli_enabled_json(pid_t pid, size_t *lacking)
{
	json_t *a = json_array();
	struct persist_matches m;
	struct store s;

	*lacking = 0;
	if (read_matches(pid, &s, &m))
		return a;
	for (size_t i = 0; i < m.n; i++) {
		const struct persist_match *x = &m.v[i];

		*lacking += !x->applied;
		json_array_append_new(
		    a, json_pack("{s:s, s:s, s:s, s:s, s:b, s:s?}", "name",
				 x->e->name, "id", x->e->id, "build_id",
				 x->e->build_id, "module", x->module, "applied",
				 x->applied, "disk_build_id",
				 x->disk[0] ? x->disk : NULL));
	}
	persist_matches_free(&m);
	store_free(&s);
	return a;
}
