/*
 * cachekey.c - cache keys: SHA-256 over a list of length-prefixed items.
 *
 * SHA-256 (nettle) rather than a fast non-cryptographic hash: a key stands
 * for the whole input of a compile, and two inputs that collide would hand
 * one of them the other's object without any later check noticing.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build/cache.h"
#include "util/xalloc.h"

void cache_key_init(struct cache_key *k, const char *kind)
{
	sha256_init(&k->sha);
	cache_key_str(k, kind);
}

void cache_key_add(struct cache_key *k, const void *data, size_t len)
{
	uint64_t n = len;

	sha256_update(&k->sha, sizeof(n), (const uint8_t *)&n);
	sha256_update(&k->sha, len, data);
}

void cache_key_str(struct cache_key *k, const char *s)
{
	/* NULL differs from "": its length item is all ones. */
	static const uint64_t none = UINT64_MAX;

	if (!s)
		sha256_update(&k->sha, sizeof(none), (const uint8_t *)&none);
	else
		cache_key_add(k, s, strlen(s));
}

char *cache_file_id(const char *path)
{
	char real[PATH_MAX];
	struct stat st = {0};

	stat(path, &st);
	return xasprintf("%s %lld %llu %lld.%09ld %lld.%09ld",
			 realpath(path, real) ? real : path,
			 (long long)st.st_size, (unsigned long long)st.st_ino,
			 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
			 (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
}

char *cache_dep_id(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return xstrdup("absent");
	return xasprintf("%llu:%llu %lld %lld.%09ld %lld.%09ld",
			 (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino, (long long)st.st_size,
			 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
			 (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
}

void cache_key_hex(struct cache_key *k, char hex[CACHE_KEY_HEX])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_digest(&k->sha, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * sizeof(d)] = '\0';
}
