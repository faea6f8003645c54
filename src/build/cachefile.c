/*
 * cachefile.c - one cache entry on disk.
 *
 *   "suture-cache 2\n"                  magic, 15 bytes
 *   u64 payload length                  little-endian, as all numbers here
 *   HMAC-SHA256 of the path's last two  32 bytes
 *     components and the payload, under the cache's key (cachetrust.c)
 *   payload: records, each
 *     u32 name length, name, u64 data length, data
 *
 * The MAC covers every record, so a truncated, padded, bit-flipped or
 * forged entry (one made by anyone without the key: a plain digest could
 * be recomputed by whoever changed the bytes) is caught before any of it
 * is used; such an entry is removed and the caller rebuilds as if it had
 * never existed.  Sealing the entry's name too stops a valid entry from
 * being copied over another one.  Writers go through
 * file_write_atomic() (a new temporary file each time, then rename): a
 * reader sees the old entry, the new one or none.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/hmac.h>

#include "build/cache.h"
#include "util/file.h"
#include "util/xalloc.h"

static const char cachefile_magic[] = "suture-cache 2\n";
static const char cachefile_magic_v1[] = "suture-cache 1\n";
#define MAGIC_LEN  (sizeof(cachefile_magic) - 1)
#define HEADER_LEN (MAGIC_LEN + 8 + SHA256_DIGEST_SIZE)

static void cachefile_put(unsigned char **p, const void *data, size_t len)
{
	memcpy(*p, data, len);
	*p += len;
}

/* The payload of @recs, after room for the header. */
static unsigned char *cachefile_encode(const struct cache_rec *recs, size_t n,
				       size_t *len)
{
	unsigned char *buf, *p;
	size_t total = HEADER_LEN;

	for (size_t i = 0; i < n; i++)
		total += 4 + strlen(recs[i].name) + 8 + recs[i].len;
	buf = xmalloc(total);
	p = buf + HEADER_LEN;
	for (size_t i = 0; i < n; i++) {
		uint32_t nl = strlen(recs[i].name);
		uint64_t dl = recs[i].len;

		cachefile_put(&p, &nl, 4);
		cachefile_put(&p, recs[i].name, nl);
		cachefile_put(&p, &dl, 8);
		cachefile_put(&p, recs[i].data, dl);
	}
	*len = total;
	return buf;
}

void cache_mkdirs(const char *path)
{
	char *dir = xstrdup(path);

	for (char *s = strchr(dir + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(dir, 0755);
		*s = '/';
	}
	free(dir);
}

/* The seal of the @plen-byte payload at @payload, to be stored at @path. */
static void cachefile_seal(const struct cache_mac *mac, const char *path,
			   const unsigned char *payload, uint64_t plen,
			   uint8_t out[SHA256_DIGEST_SIZE])
{
	struct hmac_sha256_ctx h;
	const char *name = path + strlen(path);

	/* The key name: "o/XX/REST" keeps "XX/REST", "t/KEY" keeps "t/KEY". */
	for (int slashes = 0; name > path && slashes < 2; name--)
		slashes += name[-1] == '/';
	hmac_sha256_set_key(&h, CACHE_MAC_KEY_LEN, mac->key);
	hmac_sha256_update(&h, strlen(name) + 1, (const uint8_t *)name);
	hmac_sha256_update(&h, plen, payload);
	hmac_sha256_digest(&h, SHA256_DIGEST_SIZE, out);
}

int cachefile_write(const struct cache_mac *mac, const char *path,
		    const struct cache_rec *recs, size_t n, struct error *err)
{
	size_t len;
	unsigned char *buf = cachefile_encode(recs, n, &len), *p = buf;
	uint64_t plen = len - HEADER_LEN;
	int ret;

	cachefile_put(&p, cachefile_magic, MAGIC_LEN);
	cachefile_put(&p, &plen, 8);
	cachefile_seal(mac, path, buf + HEADER_LEN, plen, p);
	cache_mkdirs(path);
	ret = file_write_atomic(path, buf, len, err);
	free(buf);
	return ret;
}

/* Whether @buf (@len bytes) is a whole entry for @path whose seal matches. */
static bool cachefile_sealed(const struct cache_mac *mac, const char *path,
			     const unsigned char *buf, size_t len)
{
	uint8_t d[SHA256_DIGEST_SIZE];
	uint64_t plen;

	if (len < HEADER_LEN || memcmp(buf, cachefile_magic, MAGIC_LEN))
		return false;
	memcpy(&plen, buf + MAGIC_LEN, 8);
	if (plen != len - HEADER_LEN)
		return false;
	cachefile_seal(mac, path, buf + HEADER_LEN, plen, d);
	return !memcmp(d, buf + MAGIC_LEN + 8, sizeof(d));
}

/* Split a sealed payload into records; false if they do not fit it. */
static bool cachefile_decode(struct cache_entry *e, size_t len)
{
	size_t off = HEADER_LEN;

	while (off < len) {
		struct cache_rec r;
		uint32_t nl;
		uint64_t dl;

		if (len - off < 4 || (memcpy(&nl, e->buf + off, 4), nl == 0) ||
		    len - off - 4 < (uint64_t)nl + 8)
			return false;
		memcpy(&dl, e->buf + off + 4 + nl, 8);
		if (len - off - 4 - nl - 8 < dl)
			return false;
		r.name = xstrndup((char *)e->buf + off + 4, nl);
		r.data = e->buf + off + 4 + nl + 8;
		r.len = dl;
		e->recs = xrealloc(e->recs, (e->n + 1) * sizeof(r));
		e->recs[e->n++] = r;
		off += 4 + nl + 8 + dl;
	}
	return true;
}

int cachefile_read(const struct cache_mac *mac, const char *path,
		   struct cache_entry *e, struct error *err)
{
	struct error ignored = {{0}};
	size_t len;

	memset(e, 0, sizeof(*e));
	if (access(path, F_OK) < 0)
		return -ENOENT;
	if (file_read(path, &e->buf, &len, &ignored))
		return -ENOENT; /* removed since: as good as absent */
	if (len >= MAGIC_LEN &&
	    !memcmp(e->buf, cachefile_magic_v1, MAGIC_LEN)) {
		/* An earlier suture's entry, sealed without a key: never
		 * used, and no warning for each of them after an upgrade. */
		cachefile_free(e);
		unlink(path);
		return -ENOENT;
	}
	if (!cachefile_sealed(mac, path, e->buf, len) ||
	    !cachefile_decode(e, len)) {
		cachefile_free(e);
		unlink(path);
		return error_set(err, -EBADMSG,
				 "cache entry %s was damaged (truncated, "
				 "changed, or not sealed with this cache's "
				 "key); removed it and built instead",
				 path);
	}
	utimensat(AT_FDCWD, path, NULL, 0);
	return 0;
}

const struct cache_rec *cachefile_get(const struct cache_entry *e,
				      const char *name)
{
	for (size_t i = 0; i < e->n; i++)
		if (!strcmp(e->recs[i].name, name))
			return &e->recs[i];
	return NULL;
}

void cachefile_free(struct cache_entry *e)
{
	for (size_t i = 0; i < e->n; i++)
		free((char *)e->recs[i].name);
	free(e->recs);
	free(e->buf);
	memset(e, 0, sizeof(*e));
}
