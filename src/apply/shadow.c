/* shadow.c - the shared shadow-data table's anchor (shadow.h). */
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "apply/region.h"
#include "apply/shadow.h"
#include "suture.h"

#define SHADOW_SYMBOL "__suture_shadow_state"
#define SHADOW_NAME   "~shadow"
#define SHADOW_PATH   "/memfd:" STATE_MEMFD_PREFIX SHADOW_NAME

static bool is_state(const struct patch_symbol *s)
{
	return s->kind == PSYM_EXTERN && !strcmp(s->name, SHADOW_SYMBOL);
}

bool shadow_wanted(const struct patch *p)
{
	for (size_t i = 0; i < p->nsymbols; i++)
		if (is_state(&p->symbols[i]))
			return true;
	return false;
}

uint64_t shadow_find(const struct proc_maps *maps)
{
	size_t n = strlen(SHADOW_PATH);

	for (size_t i = 0; i < maps->n; i++)
		if (!strncmp(maps->v[i].path, SHADOW_PATH, n) &&
		    (maps->v[i].path[n] == '\0' || maps->v[i].path[n] == ' '))
			return maps->v[i].start;
	return 0;
}

void shadow_resolve(const struct patch *p, uint64_t *addrs, uint64_t at)
{
	for (size_t i = 0; i < p->nsymbols; i++)
		if (is_state(&p->symbols[i]))
			addrs[i] = at;
}

static void anchor_parts(struct record_part parts[RECORD_NPARTS])
{
	memset(parts, 0, RECORD_NPARTS * sizeof(*parts));
	parts[RECORD_PART_DATA].size = (uint64_t)sysconf(_SC_PAGESIZE);
	parts[RECORD_PART_DATA].prot = PROT_READ | PROT_WRITE;
}

int shadow_map(struct session *s, struct rsys *rs, uint64_t at,
	       struct error *err)
{
	struct record_part parts[RECORD_NPARTS];
	unsigned mapped;

	anchor_parts(parts);
	return region_map(s, rs, SHADOW_NAME, at, parts, false, NULL, &mapped,
			  err);
}

int shadow_unmap(struct session *s, struct rsys *rs, uint64_t at,
		 struct error *err)
{
	struct record_part parts[RECORD_NPARTS];

	anchor_parts(parts);
	return region_unmap_parts(s, rs, at, parts, 1u << RECORD_PART_DATA,
				  err);
}

int shadow_held(const struct rmem *mem, uint64_t anchor, uint64_t *bytes)
{
	unsigned long held;
	int r = rmem_read(
	    mem, anchor + offsetof(struct suture_shadow_state__, mapped), &held,
	    sizeof(held), NULL);

	*bytes = r ? 0 : held;
	return r;
}

bool shadow_idle(const struct state *st, const struct record *gone,
		 const struct rmem *mem)
{
	uint64_t held;

	for (size_t i = 0; i < st->n; i++)
		if (&st->v[i] != gone && st->v[i].shadow == gone->shadow)
			return false;
	return !shadow_held(mem, gone->shadow, &held) && !held;
}
