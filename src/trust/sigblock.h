/*
 * sigblock.h - the signature a signed patch file carries at its end.
 *
 * A signed patch file is the unsigned file (ELF part and CRC trailer,
 * patchfile.h) followed by a block:
 *
 *   bytes 0..31    the signer's Ed25519 public key
 *   bytes 32..95   the signature
 *   byte  96       n, the length of the key's name
 *   bytes 97..     the key's name (n bytes, keys.h)
 *   last 16 bytes  magic "SUTSIGN1", the block's length (little endian,
 *                  32 bits), 4 zero bytes
 *
 * What is signed is the statement "suture patch signature 1\0", the
 * SHA-256 of every byte before the block, n and the name: no byte of the
 * patch, and not the name shown for the signer, can change without
 * breaking the signature.  Whether the signer is trusted is policy.h's
 * question; a signature that does not verify is refused by every reader.
 */
#ifndef SUTURE_TRUST_SIGBLOCK_H
#define SUTURE_TRUST_SIGBLOCK_H

#include <stddef.h>

#include "trust/keys.h"
#include "util/error.h"

/* Who signed a patch file (its signature verified). */
struct patch_signer {
	unsigned char pub[ED25519_PUBLIC_LEN];
	char name[KEY_NAME_MAX + 1];
	char fpr[KEY_FPR_SIZE];
};

/*
 * sigblock_split - if the @*len bytes at @buf end with a signature block,
 * verify it and set *len to the length before it and *out to a new signer
 * (the caller frees it); *out is NULL for an unsigned file.  -EBADMSG,
 * naming @what, if the signature does not verify.
 */
int sigblock_split(const unsigned char *buf, size_t *len,
		   struct patch_signer **out, const char *what,
		   struct error *err);

/*
 * sigblock_make - the block that signs the @len bytes at @body with @k:
 * a new buffer in *blk of *blk_len bytes.
 */
int sigblock_make(const unsigned char *body, size_t len, const struct key *k,
		  unsigned char **blk, size_t *blk_len, struct error *err);

/* signer_describe - "FINGERPRINT (NAME)", or "unsigned" for NULL. */
const char *signer_describe(const struct patch_signer *s, char *buf,
			    size_t size);

#endif
