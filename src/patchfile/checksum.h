/*
 * checksum.h - the trailer that ends every patch file.
 *
 *   bytes 0..7   magic "SUTCRC32"
 *   bytes 8..11  CRC-32 (zlib) of every byte before the trailer, little endian
 *   bytes 12..15 number of bytes before the trailer, little endian
 *
 * The length makes truncation an explicit error rather than a CRC mismatch
 * and lets readers find the trailer without parsing the ELF part.
 */
#ifndef SUTURE_PATCHFILE_CHECKSUM_H
#define SUTURE_PATCHFILE_CHECKSUM_H

#include <stddef.h>

#include "util/error.h"

#define CHECKSUM_TRAILER_LEN 16

/* checksum_trailer - compute the trailer for @len bytes at @buf. */
void checksum_trailer(const unsigned char *buf, size_t len,
		      unsigned char trailer[CHECKSUM_TRAILER_LEN]);

/*
 * checksum_verify - check the trailer of a whole file (@buf, @len); on
 * success *body_len is the length of the part before it.  @what names the
 * file in messages.
 */
int checksum_verify(const unsigned char *buf, size_t len, size_t *body_len,
		    const char *what, struct error *err);

/*
 * checksum_id - a patch file's identity, from its (verified) trailer: the
 * CRC-32 and length in hex, PATCH_ID_LEN digits into @out.  Two files with
 * the same id are, barring a CRC collision of equal-length files, the same
 * patch.
 */
void checksum_id(const unsigned char *buf, size_t len, char *out);

#endif
