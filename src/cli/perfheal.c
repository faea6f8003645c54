/* perfheal.c - map files for processes that inherited patches
 * (perfheal.h). */
#include <stdio.h>

#include "apply/perfmap.h"
#include "apply/status.h"
#include "cli/perfheal.h"
#include "fleet/scan.h"

void perfheal_one(pid_t pid, const struct state *st)
{
	struct error err = {""};

	if (perfmap_fill(pid, st, &err) < 0)
		fprintf(stderr, "suture: note: %s\n", err.msg);
}

static void heal_visit(const struct fleet_proc *p, void *arg)
{
	struct error quiet = {""};
	struct state st;

	(void)arg;
	/* not ours to read (another user's): not ours to name either */
	if (!p->nregions || status_read(p->pid, &st, &quiet) < 0)
		return;
	perfheal_one(p->pid, &st);
	state_free(&st);
}

void perfheal_all(void)
{
	struct error quiet = {""};
	struct fleet_stats st;

	fleet_scan(heal_visit, NULL, FLEET_REGIONS_ONLY, &st, &quiet);
}
