/*
 * catalog.c - the products the shop sells.
 *
 * The table keeps one internal record after the products, which must
 * never be shown to customers.  catalog_describe() has the bug the demo
 * fixes: its bounds check is off by one, so "item 3" leaks that record.
 */
#include <stdio.h>
#include <stdlib.h>

#include "catalog.h"

struct product {
	const char *name;
	int price_cents;
};

static const struct product table[] = {
	{ "coffee beans, 1 kg", 1850 },
	{ "green tea, 100 bags", 640 },
	{ "dark chocolate, 200 g", 395 },
	/* Not for sale: the payment gateway's key, kept with the products. */
	{ "INTERNAL gateway key sk_live_51Hx9Q", 0 },
};

static const int nproducts = 3;

int catalog_size(void)
{
	return nproducts;
}

int catalog_describe(const char *index, char *out, size_t len)
{
	char *end;
	long i = strtol(index, &end, 10);

	if (end == index || *end != '\0' || i < 0 || i > nproducts) {
		snprintf(out, len, "error: no product '%s'", index);
		return -1;
	}
	snprintf(out, len, "%s: %d.%02d EUR", table[i].name,
		 table[i].price_cents / 100, table[i].price_cents % 100);
	return 0;
}
