/*
 * patchfile-damage.c - the patch file reader refuses every damaged copy of
 * a good file: each single-byte change and each truncation.  Built with
 * AddressSanitizer and UndefinedBehaviorSanitizer by tests/t-patchfile.sh.
 * (Hostile files, whose checksum was recomputed, are fuzz-patch.c's job.)
 *
 *   patchfile-damage GOOD.sut
 *
 * Prints an "ok - ..." or "FAIL - ..." line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patchfile/patchfile.h"
#include "util/file.h"

/* How many of the damaged copies of @buf the reader accepts. */
static int damaged_accepted(const unsigned char *buf, size_t len)
{
	unsigned char *m = malloc(len);
	struct patch *p;
	int accepted = 0;

	for (size_t i = 0; i < 2 * len; i++) {
		struct error err = {{0}};
		size_t l = i < len ? len : i - len; /* flip, then truncate */

		memcpy(m, buf, len);
		if (i < len)
			m[i] ^= 0x5a;
		if (!patchfile_parse(m, l, &p, &err)) {
			accepted++;
			patch_free(p);
		}
	}
	free(m);
	return accepted;
}

int main(int argc, char **argv)
{
	struct error err = {{0}};
	unsigned char *buf;
	size_t len;
	int bad;

	if (argc != 2 || file_read(argv[1], &buf, &len, &err)) {
		fprintf(stderr, "usage: patchfile-damage GOOD.sut %s\n",
			err.msg);
		return 2;
	}
	bad = damaged_accepted(buf, len);
	printf("%s - all %zu one-byte changes and %zu truncations refused "
	       "(%d accepted)\n",
	       bad ? "FAIL" : "ok", len, len, bad);
	free(buf);
	return 0;
}
