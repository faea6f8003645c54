/* ed25519.c - Ed25519 and SHA-256 through libcrypto (see ed25519.h). */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "trust/ed25519.h"

/* The failure of a libcrypto call, with OpenSSL's own reason. */
static int crypto_error(struct error *err, const char *what)
{
	char why[256];

	ERR_error_string_n(ERR_get_error(), why, sizeof(why));
	return error_set(err, -EIO, "OpenSSL could not %s: %s", what, why);
}

int ed25519_new_seed(unsigned char seed[ED25519_SEED_LEN], struct error *err)
{
	if (RAND_priv_bytes(seed, ED25519_SEED_LEN) != 1)
		return crypto_error(err, "draw random bytes for a key");
	return 0;
}

int ed25519_public(const unsigned char seed[ED25519_SEED_LEN],
		   unsigned char pub[ED25519_PUBLIC_LEN], struct error *err)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
						   ED25519_SEED_LEN);
	size_t len = ED25519_PUBLIC_LEN;
	int ok;

	if (!k)
		return crypto_error(err, "load an Ed25519 secret key");
	ok = EVP_PKEY_get_raw_public_key(k, pub, &len) == 1 &&
	     len == ED25519_PUBLIC_LEN;
	EVP_PKEY_free(k);
	return ok ? 0 : crypto_error(err, "derive an Ed25519 public key");
}

int ed25519_sign(const unsigned char seed[ED25519_SEED_LEN],
		 const unsigned char *msg, size_t len,
		 unsigned char sig[ED25519_SIG_LEN], struct error *err)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
						   ED25519_SEED_LEN);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = ED25519_SIG_LEN;
	int ok;

	/* Ed25519 hashes internally: no digest is named (NULL). */
	ok = k && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) == 1 &&
	     EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 &&
	     siglen == ED25519_SIG_LEN;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return ok ? 0 : crypto_error(err, "make an Ed25519 signature");
}

bool ed25519_verify(const unsigned char pub[ED25519_PUBLIC_LEN],
		    const unsigned char *msg, size_t len,
		    const unsigned char sig[ED25519_SIG_LEN])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
						  ED25519_PUBLIC_LEN);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok;

	ok = k && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
	     EVP_DigestVerify(ctx, sig, ED25519_SIG_LEN, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return ok;
}

void sha256(const void *buf, size_t len, unsigned char out[SHA256_LEN])
{
	SHA256(buf, len, out);
}
