/* probe.h - the function the far tests patch (far.diff). */
#ifndef PROBE_H
#define PROBE_H

#include <stddef.h>

/*
 * probe - write into @buf (@len bytes) what the code checked, for request
 * "probe @arg": "old" before the patch; after it, one NAME=1 (or =0) per
 * check of a reference the original never made.
 */
const char *probe(const char *arg, char *buf, size_t len);

#endif
