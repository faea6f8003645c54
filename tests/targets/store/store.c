/* store.c - the store service (store.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "store.h"

#define NITEMS 32

static struct item items[NITEMS];
static int nitems;
unsigned long store_adds;
static unsigned long takes;

struct item *item_find(int id)
{
	for (int i = 0; i < nitems; i++)
		if (items[i].id == id)
			return &items[i];
	return NULL;
}

const char *item_state_name(enum item_state s)
{
	switch (s) {
	case ITEM_IDLE:
		return "idle";
	case ITEM_BUSY:
		return "busy";
	default:
		return "gone";
	}
}

static int item_add(const char *name, qty_t qty)
{
	static int next_id = 100; /* function static */
	struct item *it;

	if (nitems == NITEMS || qty > QTY_MAX)
		return -1;
	it = &items[nitems++];
	it->id = next_id++;
	it->state = ITEM_IDLE;
	it->qty = qty;
	snprintf(it->name, sizeof(it->name), "%s", name);
	store_adds++;
	return it->id;
}

/* Take @n of item @id; the quantity left, or -1 if there is not enough. */
static qty_t item_take(struct item *it, qty_t n)
{
	if (it->qty < n)
		return -1;
	it->qty -= n;
	it->state = it->qty ? ITEM_BUSY : ITEM_GONE;
	takes++;
	return it->qty;
}

static qty_t total(void)
{
	qty_t t = 0;

	for (int i = 0; i < nitems; i++)
		t += items[i].qty;
	return t;
}

int service_init(void)
{
	return 0;
}

int service_handle(const char *req, char *reply, size_t len)
{
	char name[64];
	struct item *it;
	long q;
	int id;

	if (sscanf(req, "add %63s %ld", name, &q) == 2) {
		snprintf(reply, len, "%d", item_add(name, q));
	} else if (sscanf(req, "qty %d", &id) == 1) {
		it = item_find(id);
		if (it)
			snprintf(reply, len, "%ld", (long)it->qty);
		else
			snprintf(reply, len, "none");
	} else if (sscanf(req, "take %d %ld", &id, &q) == 2) {
		qty_t left = (it = item_find(id)) ? item_take(it, q) : -1;

		if (left < 0)
			snprintf(reply, len, "short");
		else
			snprintf(reply, len, "%ld", (long)left);
	} else if (sscanf(req, "state %d", &id) == 1) {
		it = item_find(id);
		snprintf(reply, len, "%s",
			 it ? item_state_name(it->state) : "none");
	} else if (!strcmp(req, "stats")) {
		snprintf(reply, len, "adds=%lu takes=%lu total=%ld",
			 store_adds, takes, (long)total());
	} else if (!strcmp(req, "cfg")) {
		snprintf(reply, len, "%d", cfg_first(&store_cfg));
	} else {
		return -1;
	}
	return 0;
}
