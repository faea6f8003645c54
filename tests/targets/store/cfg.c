/* cfg.c - the store's configuration (store.h). */
#include "store.h"

struct cfg store_cfg = {7, 9, 0};

int cfg_first(const struct cfg *c)
{
	return c->strict ? -c->first : c->first;
}

int audit_what(const struct audit *a)
{
	return a->what;
}
