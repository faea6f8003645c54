/* ifunc.c - IFUNC resolvers run in the process (ifunc.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "apply/ifunc.h"
#include "process/rcall.h"
#include "util/xalloc.h"

bool ifunc_pending(const struct patch *p, const uint64_t *resolvers)
{
	for (size_t i = 0; i < p->nsymbols; i++)
		if (resolvers[i])
			return true;
	return false;
}

/* Call the resolver at @at for symbol @name; *impl gets its choice. */
static int run_one(struct session *s, struct rsys *rs, const char *name,
		   uint64_t at, const struct proc_maps *maps, uint64_t *impl,
		   struct error *err)
{
	char *what =
	    xasprintf("the IFUNC resolver of '%s' at %#" PRIx64, name, at);
	const struct proc_map *m;
	int r;

	r = rcall_word(s, rs, at, what, IFUNC_TIMEOUT_MS, impl, err);
	free(what);
	if (r)
		return r;
	m = proc_maps_find(maps, *impl);
	if (!m || !(m->prot & PROT_EXEC))
		return error_set(err, -EINVAL,
				 "the IFUNC resolver of '%s' in process %d "
				 "chose %#" PRIx64
				 ", which is not executable memory",
				 name, s->pid, *impl);
	return 0;
}

int ifunc_resolve(struct session *s, struct rsys *rs, const struct patch *p,
		  const uint64_t *resolvers, const struct proc_maps *maps,
		  uint64_t *addrs, struct error *err)
{
	int r;

	/* A resolver is code the program has not run for this symbol: a
	 * stopped process must not run it because of suture. */
	for (size_t i = 0; s->stopped && i < p->nsymbols; i++)
		if (resolvers[i]) {
			char *what = xasprintf("the IFUNC '%s' needs its "
					       "resolver run",
					       p->symbols[i].name);

			r = session_stopped_error(s, what, err);
			free(what);
			return r;
		}
	for (size_t i = 0; i < p->nsymbols; i++)
		if (resolvers[i] &&
		    (r = run_one(s, rs, p->symbols[i].name, resolvers[i], maps,
				 &addrs[i], err)))
			return r;
	return 0;
}
