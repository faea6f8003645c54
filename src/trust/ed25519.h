/*
 * ed25519.h - the signature primitives suture uses, from Nettle:
 * Ed25519 (RFC 8032) and SHA-256.  Nothing else in src/trust touches the
 * library, so the choice of library is made here alone.
 */
#ifndef SUTURE_TRUST_ED25519_H
#define SUTURE_TRUST_ED25519_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

#define ED25519_PUBLIC_LEN 32
#define ED25519_SEED_LEN   32 /* the secret key, as RFC 8032 defines it */
#define ED25519_SIG_LEN	   64
#define SHA256_LEN	   32

/* ed25519_new_seed - a new secret key from the system's random source. */
int ed25519_new_seed(unsigned char seed[ED25519_SEED_LEN], struct error *err);

/* ed25519_public - the public key of @seed. */
int ed25519_public(const unsigned char seed[ED25519_SEED_LEN],
		   unsigned char pub[ED25519_PUBLIC_LEN], struct error *err);

/* ed25519_sign - sign @len bytes at @msg with @seed. */
int ed25519_sign(const unsigned char seed[ED25519_SEED_LEN],
		 const unsigned char *msg, size_t len,
		 unsigned char sig[ED25519_SIG_LEN], struct error *err);

/* ed25519_verify - whether @sig is @pub's signature of @msg; a malformed
 * key or signature is simply not valid. */
bool ed25519_verify(const unsigned char pub[ED25519_PUBLIC_LEN],
		    const unsigned char *msg, size_t len,
		    const unsigned char sig[ED25519_SIG_LEN]);

/* sha256 - the digest of @len bytes at @buf. */
void sha256(const void *buf, size_t len, unsigned char out[SHA256_LEN]);

#endif
