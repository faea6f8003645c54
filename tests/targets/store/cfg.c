/* cfg.c - the store's configuration (store.h). */
#include "store.h"

struct cfg store_cfg = {7, 9};

int cfg_first(const struct cfg *c)
{
	return c->first;
}

int audit_what(const struct audit *a)
{
	return a->what;
}
