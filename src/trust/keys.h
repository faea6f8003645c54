/*
 * keys.h - suture's key files.
 *
 * A key pair is two one-line text files, in the manner of OpenSSH's:
 *
 *   KEY      suture-ed25519-secret BASE64 NAME   (mode 0600)
 *   KEY.pub  suture-ed25519 BASE64 NAME          (mode 0644)
 *
 * BASE64 is the 32-byte Ed25519 secret seed (RFC 8032) or public key;
 * NAME is free text for humans (who the key belongs to), 1..KEY_NAME_MAX
 * printable characters.  A key is known by its fingerprint,
 * "ed25519:" and the first 16 bytes of the SHA-256 of its public key in
 * hex; the name is only a label.  A secret key file that group or others
 * may read is refused, as ssh refuses one.
 */
#ifndef SUTURE_TRUST_KEYS_H
#define SUTURE_TRUST_KEYS_H

#include <stdbool.h>

#include "trust/ed25519.h"
#include "util/error.h"

#define KEY_NAME_MAX 128
#define KEY_FPR_SIZE 41 /* "ed25519:" + 32 hex digits + NUL */

struct key {
	unsigned char pub[ED25519_PUBLIC_LEN];
	unsigned char seed[ED25519_SEED_LEN]; /* zero in a public key */
	char name[KEY_NAME_MAX + 1];
};

/* key_generate - a new key pair called @name. */
int key_generate(const char *name, struct key *k, struct error *err);

/* key_write_pair - write @k to @path (mode 0600) and @path.pub (0644);
 * neither may exist already. */
int key_write_pair(const struct key *k, const char *path, struct error *err);

/* key_read_public - read a .pub file into @k (seed zeroed). */
int key_read_public(const char *path, struct key *k, struct error *err);

/* key_read_secret - read a secret key file (0600 or stricter) into @k. */
int key_read_secret(const char *path, struct key *k, struct error *err);

/* key_fingerprint - the fingerprint of public key @pub. */
void key_fingerprint(const unsigned char pub[ED25519_PUBLIC_LEN],
		     char out[KEY_FPR_SIZE]);

/* key_name_valid - whether @name may name a key (and so be signed). */
bool key_name_valid(const char *name);

/* key_wipe - forget the secret of @k. */
void key_wipe(struct key *k);

#endif
