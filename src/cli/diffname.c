/*
 * diffname.c - the name a patch or a livepatch module gets when the user
 * gives none: the diff's file name, reduced to what such a name may hold.
 */
#include <string.h>

#include "cli/diffname.h"
#include "util/xalloc.h"

char *cli_diff_name(const char *diff, const char *allowed)
{
	const char *base = strrchr(diff, '/');
	char *name = xstrdup(base ? base + 1 : diff);
	char *dot = strrchr(name, '.');

	if (dot && dot != name)
		*dot = '\0';
	for (char *p = name; *p; p++)
		if (!strchr(allowed, *p))
			*p = '_';
	return name;
}
