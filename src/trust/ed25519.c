/*
 * ed25519.c - Ed25519 and SHA-256 through Nettle (see ed25519.h).
 *
 * Nettle, not OpenSSL's libcrypto: every suture command loads the library
 * at start, and libcrypto's 21,000 relocations and its initialisation
 * cost about a millisecond of each command, a third of an apply
 * (docs/DESIGN.md, "The command's own time").  Nettle's Ed25519 is RFC
 * 8032's, byte for byte (keys, signatures), and, like OpenSSL, it refuses
 * a signature whose S is not below the group order.
 */
#include <errno.h>
#include <nettle/eddsa.h>
#include <nettle/sha2.h>
#include <string.h>
#include <sys/random.h>

#include "trust/ed25519.h"

int ed25519_new_seed(unsigned char seed[ED25519_SEED_LEN], struct error *err)
{
	size_t got = 0;

	/* Blocks until the kernel's pool is initialised, never after. */
	while (got < ED25519_SEED_LEN) {
		ssize_t n = getrandom(seed + got, ED25519_SEED_LEN - got, 0);

		if (n < 0 && errno != EINTR)
			return error_set(err, -errno,
					 "cannot draw random bytes for a key "
					 "(getrandom: %s)",
					 strerror(errno));
		got += n > 0 ? (size_t)n : 0;
	}
	return 0;
}

int ed25519_public(const unsigned char seed[ED25519_SEED_LEN],
		   unsigned char pub[ED25519_PUBLIC_LEN], struct error *err)
{
	/* Nettle's derivation cannot fail: @err stays for other back ends */
	ed25519_sha512_public_key(pub, seed);
	return 0;
}

int ed25519_sign(const unsigned char seed[ED25519_SEED_LEN],
		 const unsigned char *msg, size_t len,
		 unsigned char sig[ED25519_SIG_LEN], struct error *err)
{
	unsigned char pub[ED25519_PUBLIC_LEN];

	/* Nettle wants the public key too; deriving it here means a
	 * mismatched pair can never be passed in. */
	ed25519_sha512_public_key(pub, seed);
	ed25519_sha512_sign(pub, seed, len, msg, sig);
	return 0;
}

bool ed25519_verify(const unsigned char pub[ED25519_PUBLIC_LEN],
		    const unsigned char *msg, size_t len,
		    const unsigned char sig[ED25519_SIG_LEN])
{
	return ed25519_sha512_verify(pub, len, msg, sig) == 1;
}

void sha256(const void *buf, size_t len, unsigned char out[SHA256_LEN])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, buf);
	sha256_digest(&ctx, SHA256_LEN, out);
}
