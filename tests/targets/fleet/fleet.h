/* fleet.h - the interface of libfleet.so. */
#ifndef FLEET_H
#define FLEET_H

/* fleet_parse - the number written in @s: decimal, or hexadecimal after
 * "0x" (fix.diff: before it, "0x10" reads as 0). */
long fleet_parse(const char *s);

/* fleet_version - a label naming the library's version. */
const char *fleet_version(void);

#endif
