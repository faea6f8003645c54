/* match.c - the enabled patches that concern a process (see match.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/modules.h"
#include "apply/status.h"
#include "persist/match.h"
#include "process/proc.h"
#include "util/xalloc.h"

void persist_matches_free(struct persist_matches *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].module);
	free(m->v);
	*m = (struct persist_matches){0};
}

/* The build now on disk where @pid mapped @mod from, into @m->disk if it
 * is not the entry's.  Seen from the process's root (a container's). */
static void disk_build(pid_t pid, const struct module *mod,
		       struct persist_match *m)
{
	size_t n = proc_path_len(mod->path, NULL);
	char path[4200], hex[PERSIST_HEX_MAX];
	struct error ignored;

	snprintf(path, sizeof(path), "/proc/%d/root%.*s", pid, (int)n,
		 mod->path);
	if (!persist_disk_build(path, hex, &ignored) &&
	    strcmp(hex, m->e->build_id))
		strcpy(m->disk, hex);
}

static void match_module(pid_t pid, const struct module *mod,
			 const struct store *s, const struct state *st,
			 struct persist_matches *m)
{
	char hex[PERSIST_HEX_MAX];

	if (!mod->build_id_len)
		return;
	modules_hex(mod->build_id, mod->build_id_len, hex);
	for (size_t i = 0; i < s->n; i++) {
		struct persist_match *x;

		if (strcmp(s->v[i].build_id, hex))
			continue;
		XGROW(m->v, m->cap, m->n);
		x = &m->v[m->n++];
		*x = (struct persist_match){.e = &s->v[i],
					    .module = xstrdup(mod->path),
					    .applied =
						state_has_id(st, s->v[i].id)};
		disk_build(pid, mod, x);
	}
}

int persist_match(pid_t pid, const struct store *s, struct persist_matches *m,
		  struct error *err)
{
	struct proc_maps maps = {0};
	struct modules mods = {0};
	struct state st;
	int ret;

	*m = (struct persist_matches){0};
	if (!s->n)
		return 0;
	if ((ret = status_read(pid, &st, err)))
		return ret;
	if (!(ret = proc_maps_read(pid, &maps, err)) &&
	    !(ret = modules_load(pid, &maps, &mods, err)))
		for (size_t i = 0; i < mods.n; i++)
			match_module(pid, &mods.v[i], s, &st, m);
	modules_free(&mods);
	proc_maps_free(&maps);
	state_free(&st);
	return ret;
}
