/*
 * patchfile-fuzz.c - the patch file reader against damaged and hostile
 * input.  Built with AddressSanitizer and UndefinedBehaviorSanitizer by
 * tests/t-patchfile.sh, so any out-of-bounds access aborts the run.
 *
 *   patchfile-fuzz SEED.sut ITERATIONS
 *
 * 1. every single-byte change and every truncation of SEED is refused as
 *    corrupted or truncated;
 * 2. ITERATIONS random mutations with a recomputed (valid) checksum, i.e.
 *    hostile files, are parsed without a crash: either refused with a
 *    message or returned as a patch that passes validation.
 * Prints "ok - ..." / "FAIL - ..." lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patchfile/checksum.h"
#include "patchfile/patchfile.h"
#include "patchfile/validate.h"
#include "util/file.h"

static int damaged_refused(const unsigned char *buf, size_t len)
{
	unsigned char *m = malloc(len);
	struct patch *p;
	int accepted = 0;

	for (size_t i = 0; i < len; i++) {
		struct error err = { { 0 } };
		memcpy(m, buf, len);
		m[i] ^= 0x5a;
		if (!patchfile_parse(m, len, &p, &err)) {
			accepted++;
			patch_free(p);
		}
	}
	for (size_t l = 0; l < len; l++) {
		struct error err = { { 0 } };
		if (!patchfile_parse(buf, l, &p, &err)) {
			accepted++;
			patch_free(p);
		}
	}
	free(m);
	return accepted;
}

static int hostile_parsed(const unsigned char *buf, size_t len, int n,
			  int *parsed)
{
	size_t body = len - CHECKSUM_TRAILER_LEN;
	unsigned char *m = malloc(len);
	int invalid = 0;

	srand(12345);
	for (int it = 0; it < n; it++) {
		struct error err = { { 0 } };
		size_t l = rand() % 4 ? body : (size_t)rand() % body;
		struct patch *p;

		memcpy(m, buf, len);
		for (int j = 1 + rand() % 8; j > 0; j--)
			m[rand() % body] = (unsigned char)rand();
		checksum_trailer(m, l, m + l);
		if (patchfile_parse(m, l + CHECKSUM_TRAILER_LEN, &p, &err))
			continue;
		(*parsed)++;
		invalid += patch_validate(p, &err) != 0;
		patch_free(p);
	}
	free(m);
	return invalid;
}

int main(int argc, char **argv)
{
	struct error err = { { 0 } };
	unsigned char *buf;
	int parsed = 0, bad;
	size_t len;

	if (argc != 3 || file_read(argv[1], &buf, &len, &err)) {
		fprintf(stderr, "usage: patchfile-fuzz SEED.sut ITERATIONS %s\n",
			err.msg);
		return 2;
	}
	bad = damaged_refused(buf, len);
	printf("%s - all %zu one-byte changes and %zu truncations refused "
	       "(%d accepted)\n",
	       bad ? "FAIL" : "ok", len, len, bad);
	bad = hostile_parsed(buf, len, atoi(argv[2]), &parsed);
	printf("%s - %s hostile files with valid checksums: no crash, %d "
	       "parsed, %d of those invalid\n",
	       bad ? "FAIL" : "ok", argv[2], parsed, bad);
	free(buf);
	return 0;
}
