/*
 * fuzz-patchfile.c - libFuzzer harness for the patch file reader
 * (patchfile_parse, then patch_validate on what it accepts).
 *
 * Each input is read twice: as it is, which exercises the checksum
 * trailer, and with a freshly computed trailer appended, which is what a
 * hostile file looks like (an attacker recomputes the checksum) and lets
 * the fuzzer reach the ELF, JSON and field checks behind it.  Any memory
 * error or undefined behaviour aborts the run under ASan/UBSan.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patchfile/checksum.h"
#include "patchfile/patchfile.h"
#include "patchfile/validate.h"

static void parse(const unsigned char *buf, size_t len)
{
	struct error err = {{0}};
	struct patch *p;

	if (patchfile_parse(buf, len, &p, &err))
		return;
	patch_validate(p, &err);
	patch_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *sealed = malloc(size + CHECKSUM_TRAILER_LEN);

	parse(data, size);
	memcpy(sealed, data, size);
	checksum_trailer(sealed, size, sealed + size);
	parse(sealed, size + CHECKSUM_TRAILER_LEN);
	free(sealed);
	return 0;
}
