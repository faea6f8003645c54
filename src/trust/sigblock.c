/* sigblock.c - the signature block of patch files (see sigblock.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "trust/sigblock.h"
#include "util/xalloc.h"

static const char end_magic[8] = {'S', 'U', 'T', 'S', 'I', 'G', 'N', '1'};
static const char statement[] = "suture patch signature 1";

#define HEAD_LEN (ED25519_PUBLIC_LEN + ED25519_SIG_LEN + 1)
#define END_LEN	 16

/* The message a signature covers: statement, digest of body, name. */
static size_t message(const unsigned char *body, size_t len, const char *name,
		      unsigned char *out)
{
	size_t n = strlen(name), at = sizeof(statement);

	memcpy(out, statement, sizeof(statement));
	sha256(body, len, out + at);
	at += SHA256_LEN;
	out[at++] = (unsigned char)n;
	memcpy(out + at, name, n);
	return at + n;
}

#define MESSAGE_MAX (sizeof(statement) + SHA256_LEN + 1 + KEY_NAME_MAX)

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Decode the block of @blen bytes at @b into @s; false if malformed. */
static bool decode(const unsigned char *b, size_t blen, struct patch_signer *s)
{
	size_t n = b[HEAD_LEN - 1];

	if (blen != HEAD_LEN + n + END_LEN || n > KEY_NAME_MAX)
		return false;
	memcpy(s->pub, b, ED25519_PUBLIC_LEN);
	memcpy(s->name, b + HEAD_LEN, n);
	s->name[n] = '\0';
	key_fingerprint(s->pub, s->fpr);
	return strlen(s->name) == n && key_name_valid(s->name);
}

int sigblock_split(const unsigned char *buf, size_t *len,
		   struct patch_signer **out, const char *what,
		   struct error *err)
{
	unsigned char msg[MESSAGE_MAX];
	struct patch_signer s = {0};
	const unsigned char *b;
	size_t blen, body;

	*out = NULL;
	if (*len < END_LEN || memcmp(buf + *len - END_LEN, end_magic, 8))
		return 0;
	blen = get_le32(buf + *len - 8);
	if (blen > *len || blen < HEAD_LEN + END_LEN)
		return error_set(err, -EINVAL,
				 "%s is truncated or damaged: its signature "
				 "block claims %zu bytes",
				 what, blen);
	body = *len - blen;
	b = buf + body;
	if (!decode(b, blen, &s) ||
	    !ed25519_verify(s.pub, msg, message(buf, body, s.name, msg),
			    b + ED25519_PUBLIC_LEN))
		return error_set(
		    err, -EBADMSG,
		    "%s has a bad signature: its contents are not "
		    "what key %s signed (changed after signing, or "
		    "damaged); do not use it: get the file again "
		    "from its signer, or build and sign it anew",
		    what, s.fpr[0] ? s.fpr : "(unreadable)");
	*out = xmalloc(sizeof(s));
	**out = s;
	*len = body;
	return 0;
}

int sigblock_make(const unsigned char *body, size_t len, const struct key *k,
		  unsigned char **blk, size_t *blk_len, struct error *err)
{
	unsigned char msg[MESSAGE_MAX], sig[ED25519_SIG_LEN], *b;
	size_t n = strlen(k->name), total = HEAD_LEN + n + END_LEN;
	int ret;

	ret = ed25519_sign(k->seed, msg, message(body, len, k->name, msg), sig,
			   err);
	if (ret < 0)
		return ret;
	b = xcalloc(1, total);
	memcpy(b, k->pub, ED25519_PUBLIC_LEN);
	memcpy(b + ED25519_PUBLIC_LEN, sig, ED25519_SIG_LEN);
	b[HEAD_LEN - 1] = (unsigned char)n;
	memcpy(b + HEAD_LEN, k->name, n);
	memcpy(b + total - END_LEN, end_magic, 8);
	for (int i = 0; i < 4; i++)
		b[total - 8 + i] = (unsigned char)(total >> (8 * i));
	*blk = b;
	*blk_len = total;
	return 0;
}

const char *signer_describe(const struct patch_signer *s, char *buf,
			    size_t size)
{
	if (!s)
		snprintf(buf, size, "unsigned");
	else
		snprintf(buf, size, "%s (%s)", s->fpr, s->name);
	return buf;
}
