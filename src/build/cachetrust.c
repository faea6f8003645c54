/*
 * cachetrust.c - who may write the build cache, and the key its entries
 * are sealed with (cache.h, "Trust").
 *
 * A cache entry becomes code in a patch, which runs in production
 * processes, often root's.  So before every use, by `suture build` and by
 * the compiler wrapper alike:
 *
 * - every directory from / down to the cache must be owned by root or the
 *   caller and not writable by group or others (unless sticky, like /tmp),
 *   so nobody else can rename the cache away and put theirs in its place;
 * - the cache directory itself must be the caller's and writable by nobody
 *   else; or, when the caller asked for a shared cache, it may be
 *   group-writable by a group the caller is in, and be root's or the
 *   caller's;
 * - the key (DIR/.key, 32 random bytes; the leading dot keeps cache_trim
 *   away from it) must be the directory owner's and readable by nobody
 *   else (mode 0600); in a shared cache, readable by the directory's group
 *   and nobody else (0640), whichever member made it.  It is made on first
 *   use.
 *
 * Entries are sealed with HMAC-SHA256 under that key (cachefile.c): an
 * entry written by anyone without the key is refused even if the checks
 * above were somehow passed.  What a shared cache trusts: every member of
 * its group, who can read the key and so seal anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/cache.h"
#include "util/file.h"
#include "util/xalloc.h"

/* "alice (uid 1000)" for the messages. */
static char *owner_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	return xasprintf("%s (uid %u)", pw ? pw->pw_name : "?", (unsigned)uid);
}

static bool in_group(gid_t gid)
{
	gid_t groups[NGROUPS_MAX];
	int n = getgroups(NGROUPS_MAX, groups);

	if (gid == getegid())
		return true;
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/* A refusal naming @path, its owner and mode, and why. */
static int refuse(const char *path, const struct stat *st, const char *why,
		  struct error *err)
{
	char *owner = owner_name(st->st_uid), *me = owner_name(geteuid());
	int ret =
	    error_set(err, -EPERM,
		      "the build cache is not safe to use: %s is owned "
		      "by %s with mode %04o, %s; you are %s, and "
		      "another user could put code in what you build.  "
		      "Use a cache directory of your own (--cache-dir), "
		      "--no-cache, or fix the owner and mode",
		      path, owner, (unsigned)(st->st_mode & 07777), why, me);

	free(owner);
	free(me);
	return ret;
}

/* Each directory above @real (a real path) is root's or ours, and not
 * writable by others unless sticky. */
static int check_parents(const char *real, struct error *err)
{
	char *p = xstrdup(real);
	struct stat st;
	int ret = 0;

	for (char *s = strrchr(p, '/'); !ret && s; s = strrchr(p, '/')) {
		*(s == p ? s + 1 : s) = '\0';
		if (stat(p, &st) < 0)
			ret = error_set(err, -errno, "cannot check %s: %s", p,
					strerror(errno));
		else if (st.st_uid != 0 && st.st_uid != geteuid())
			ret = refuse(p, &st,
				     "a directory above the cache "
				     "that is neither root's nor yours",
				     err);
		else if ((st.st_mode & 022) && !(st.st_mode & S_ISVTX))
			ret = refuse(p, &st,
				     "a directory above the cache "
				     "that others may write to",
				     err);
		if (s == p)
			break;
	}
	free(p);
	return ret;
}

/* The cache directory @real itself (stat @st). */
static int check_dir(const char *real, const struct stat *st, bool shared,
		     struct error *err)
{
	if (!S_ISDIR(st->st_mode))
		return refuse(real, st, "not a directory", err);
	if (st->st_mode & 002)
		return refuse(real, st, "writable by every user", err);
	if (!shared && st->st_uid != geteuid())
		return refuse(real, st, "not yours", err);
	if (!shared && (st->st_mode & 020))
		return refuse(real, st,
			      "writable by its group (a shared cache must be "
			      "asked for: --shared-cache)",
			      err);
	if (shared && st->st_uid != geteuid() && st->st_uid != 0)
		return refuse(real, st,
			      "a shared cache neither root's nor "
			      "yours",
			      err);
	if (shared && (st->st_mode & 020) && !in_group(st->st_gid))
		return refuse(real, st, "writable by a group you are not in",
			      err);
	return 0;
}

int cache_check(const char *dir, bool shared, struct error *err)
{
	char real[PATH_MAX];
	struct stat st;
	int ret;

	if (!realpath(dir, real) || stat(real, &st) < 0)
		return error_set(err, -errno,
				 "cannot use the build cache %s: %s", dir,
				 strerror(errno));
	if ((ret = check_parents(real, err)))
		return ret;
	return check_dir(real, &st, shared, err);
}

/* Make @path, a new key of random bytes, unless another process just did. */
static int key_create(const char *path, const struct stat *dir, bool shared,
		      struct error *err)
{
	unsigned char key[CACHE_MAC_KEY_LEN];

	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
		return error_set(err, -EIO, "no random bytes for %s", path);
	return file_create_once(path, key, sizeof(key), shared ? 0640 : 0600,
				shared ? dir->st_gid : (gid_t)-1, err);
}

/* Read the key at @path after checking who may read and write it. */
static int key_read(const char *path, const struct stat *dir, bool shared,
		    unsigned char key[CACHE_MAC_KEY_LEN], struct error *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	mode_t others = shared ? 037 : 077;
	struct stat st;
	int ret = 0;

	if (fd < 0)
		return error_set(err, -errno,
				 "cannot read the cache key %s: %s", path,
				 strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		ret = error_set(err, -EPERM, "%s is not a regular file", path);
	/* In a shared cache any member may have made the key: only members
	 * (and the owner, and root) can create files there. */
	else if ((!shared && st.st_uid != dir->st_uid) ||
		 (st.st_mode & others) ||
		 (shared && (st.st_mode & 040) && st.st_gid != dir->st_gid))
		ret = refuse(path, &st,
			     shared ? "a key that must be readable by the "
				      "cache's group only (0640)"
				    : "a key that must be the cache owner's, "
				      "readable by nobody else (0600)",
			     err);
	else if (read(fd, key, CACHE_MAC_KEY_LEN) != CACHE_MAC_KEY_LEN)
		ret =
		    error_set(err, -EBADMSG, "the cache key %s is short", path);
	close(fd);
	return ret;
}

int cache_open(const char *dir, bool shared, struct cache_mac *mac,
	       struct error *err)
{
	char *path = xasprintf("%s/.key", dir);
	struct stat st;
	int ret;

	if (!(ret = cache_check(dir, shared, err)) && stat(dir, &st) < 0)
		ret = error_set(err, -errno, "%s: %s", dir, strerror(errno));
	if (!ret && access(path, F_OK) < 0)
		ret = key_create(path, &st, shared, err);
	if (!ret)
		ret = key_read(path, &st, shared, mac->key, err);
	free(path);
	return ret;
}
