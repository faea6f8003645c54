/*
 * cache.h - the build cache of `suture build` (docs/DESIGN.md, "The build
 * cache").
 *
 * Two kinds of entry share one directory and one file format:
 *
 *   o/XX/KEY  an object the compiler wrapper made (objcache.c), keyed by
 *             the compiler, its final arguments and the preprocessed source,
 *             with the scratch tree's path replaced by the source tree's;
 *   t/KEY     a built original tree (treecache.c): the objects and binary
 *             of --binary, the wrapper's log and the build output, keyed by
 *             the tree's contents, the build command, the environment and
 *             suture itself.
 *
 * An entry is a list of named records sealed with an HMAC-SHA256 of them
 * all under the cache's secret key (cachefile.c): a damaged, truncated or
 * forged entry is removed and counts as a miss.  Who may use a cache
 * directory, and its key: cachetrust.c.  Entries are written to a temporary
 * file and renamed, so builds running at the same time never see half an entry.
 * The directory is kept under its size limit, least recently used entries first
 * (cache.c).
 */
#ifndef SUTURE_BUILD_CACHE_H
#define SUTURE_BUILD_CACHE_H

#include <nettle/sha2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* A key being computed: SHA-256 over length-prefixed items, so that no two
 * different lists of items hash alike by concatenation. */
struct cache_key {
	struct sha256_ctx sha;
};

#define CACHE_KEY_HEX (2 * SHA256_DIGEST_SIZE + 1)

/* cache_key_init - start a key of kind @kind ("object 1", "tree 1"). */
void cache_key_init(struct cache_key *k, const char *kind);

/* cache_key_add - add one item of @len bytes. */
void cache_key_add(struct cache_key *k, const void *data, size_t len);

/* cache_key_str - add the string @s (NULL is an item of its own). */
void cache_key_str(struct cache_key *k, const char *s);

/* cache_file_id - what identifies the program at @path without reading
 * it: its real path, size, inode, modification and change times (a
 * package upgrade replaces the file and changes them).  A new string. */
char *cache_file_id(const char *path);

/*
 * cache_dep_id - what identifies the file @path a build read: device,
 * inode, size, modification and change times of the file its symlinks
 * lead to, or "absent".  Replacing or rewriting the file (a package
 * upgrade, an edit) changes the change time at least, so an old id never
 * matches a changed file; reading it costs one stat().  A new string.
 */
char *cache_dep_id(const char *path);

/* cache_key_hex - finish the key into @hex (64 digits and a NUL). */
void cache_key_hex(struct cache_key *k, char hex[CACHE_KEY_HEX]);

/* The key entries are sealed with (HMAC-SHA256): DIR/.key. */
#define CACHE_MAC_KEY_LEN 32
struct cache_mac {
	unsigned char key[CACHE_MAC_KEY_LEN];
};

/*
 * cache_check - whether the cache directory @dir may be used: it and every
 * directory above it can be changed by nobody but the caller and root (a
 * @shared cache: also by its group, if the caller is in it).  Returns 0,
 * or -EPERM and a sentence naming the path, its owner and its mode.
 */
int cache_check(const char *dir, bool shared, struct error *err);

/*
 * cache_open - cache_check(), then the key of @dir into @mac: DIR/key,
 * made on first use (mode 0600; 0640 and the directory's group if
 * @shared), refused unless the directory's owner owns it and nobody else
 * (but a shared cache's group) can read it.  Call before every use.
 */
int cache_open(const char *dir, bool shared, struct cache_mac *mac,
	       struct error *err);

/* One named record of an entry. */
struct cache_rec {
	const char *name;
	const unsigned char *data;
	size_t len;
};

/* An entry read back: records point into buf. */
struct cache_entry {
	unsigned char *buf;
	struct cache_rec *recs;
	size_t n;
};

/*
 * cachefile_write - write the @n records @recs as the entry at @path
 * (creating its directory), through a temporary file and rename.
 */
int cachefile_write(const struct cache_mac *mac, const char *path,
		    const struct cache_rec *recs, size_t n, struct error *err);

/*
 * cachefile_read - read the entry at @path into @e and mark it used (its
 * modification time is the LRU clock).  Returns 0, -ENOENT if there is
 * none, or -EBADMSG if it is damaged: then it has been removed, and @err
 * names it.  The caller frees @e with cachefile_free().
 */
int cachefile_read(const struct cache_mac *mac, const char *path,
		   struct cache_entry *e, struct error *err);

/* cachefile_get - the record called @name of @e, or NULL. */
const struct cache_rec *cachefile_get(const struct cache_entry *e,
				      const char *name);

void cachefile_free(struct cache_entry *e);

/* cache_mkdirs - create the missing directories on the way to @path. */
void cache_mkdirs(const char *path);

/* The default size limit, in MiB (SUTURE_CACHE_SIZE overrides it). */
#define CACHE_DEFAULT_MIB 2048

/*
 * cache_default_dir - where the cache lives unless told otherwise:
 * $SUTURE_CACHE_DIR, $XDG_CACHE_HOME/suture or ~/.cache/suture, made
 * absolute.  A new string, or NULL if none of them is set.
 */
char *cache_default_dir(void);

/* cache_abs_dir - @dir made absolute against the working directory: the
 * compiler wrapper runs in the build's directories.  A new string. */
char *cache_abs_dir(const char *dir);

/*
 * cache_prepare - create @dir if needed and check it can be written.
 * Returns 0, or a negative errno and a sentence in @err: the cache can
 * still be read, nothing will be stored.
 */
int cache_prepare(const char *dir, struct error *err);

/*
 * cache_trim - remove the least recently used entries of @dir until it
 * holds at most $SUTURE_CACHE_SIZE MiB (default CACHE_DEFAULT_MIB).
 * Temporary files of writers still running are left alone.
 */
void cache_trim(const char *dir);

#endif
