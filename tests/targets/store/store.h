/*
 * store.h - the inventory the store service keeps in memory.
 *
 *   add NAME QTY  -> the new item's id
 *   qty ID        -> its quantity, or "none"
 *   take ID N     -> the quantity left, or "short"
 *   state ID      -> idle, busy or gone
 *   stats         -> adds=<n> takes=<n> total=<quantity in stock>
 *   cfg           -> the configuration's first field
 */
#ifndef STORE_H
#define STORE_H

/* The most of one item the store accepts. */
#define QTY_MAX 1000000

enum item_state { ITEM_IDLE, ITEM_BUSY, ITEM_GONE };

typedef long qty_t;

struct item {
	int id;
	enum item_state state;
	qty_t qty;
	char name[16];
};

/* Only cfg.c looks inside; store.c passes it around. */
struct cfg {
	int first;
	int second;
	_Bool strict;
};

struct item *item_find(int id);
const char *item_state_name(enum item_state s);
int cfg_first(const struct cfg *c);

/* An audit record: nothing in the store keeps one yet. */
struct audit {
	long when;
	int what;
};

int audit_what(const struct audit *a);

extern struct cfg store_cfg;

#endif
