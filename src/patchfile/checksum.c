/* checksum.c - the CRC-32 trailer of patch files (see checksum.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "patchfile/checksum.h"

static const char trailer_magic[8] = {'S', 'U', 'T', 'C', 'R', 'C', '3', '2'};

static uint32_t crc_of(const unsigned char *buf, size_t len)
{
	uLong crc = crc32(0L, Z_NULL, 0);

	/* zlib takes uInt lengths: feed large files in pieces. */
	while (len) {
		uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
		crc = crc32(crc, buf, n);
		buf += n;
		len -= n;
	}
	return (uint32_t)crc;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

void checksum_trailer(const unsigned char *buf, size_t len,
		      unsigned char trailer[CHECKSUM_TRAILER_LEN])
{
	memcpy(trailer, trailer_magic, sizeof(trailer_magic));
	put_le32(trailer + 8, crc_of(buf, len));
	put_le32(trailer + 12, (uint32_t)len);
}

int checksum_verify(const unsigned char *buf, size_t len, size_t *body_len,
		    const char *what, struct error *err)
{
	const unsigned char *t;
	size_t body;

	if (len < CHECKSUM_TRAILER_LEN)
		return error_set(err, -EINVAL,
				 "%s is not a suture patch: only %zu bytes",
				 what, len);
	body = len - CHECKSUM_TRAILER_LEN;
	t = buf + body;
	if (memcmp(t, trailer_magic, sizeof(trailer_magic)))
		return error_set(err, -EINVAL,
				 "%s is not a suture patch, or is truncated: "
				 "no checksum trailer at its end",
				 what);
	if (get_le32(t + 12) != body)
		return error_set(err, -EINVAL,
				 "%s is truncated or padded: the trailer says "
				 "%u bytes, the file has %zu",
				 what, get_le32(t + 12), body);
	if (get_le32(t + 8) != crc_of(buf, body))
		return error_set(err, -EBADMSG,
				 "%s is corrupted: its checksum does not match "
				 "its contents",
				 what);
	*body_len = body;
	return 0;
}

void checksum_id(const unsigned char *buf, size_t len, char *out)
{
	const unsigned char *t = buf + len - CHECKSUM_TRAILER_LEN;

	snprintf(out, 17, "%08x%08x", get_le32(t + 8), get_le32(t + 12));
}
