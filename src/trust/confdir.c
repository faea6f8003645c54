/* confdir.c - reading /etc/suture safely (see confdir.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trust/confdir.h"
#include "util/file.h"
#include "util/xalloc.h"

/* Whether @st is something only root may change. */
static int check_one(const char *path, const struct stat *st, struct error *err)
{
	if (st->st_uid != 0)
		return error_set(
		    err, -EPERM,
		    "%s belongs to uid %u, not root: suture trusts "
		    "no configuration another user could change; "
		    "make it root's (chown root %s)",
		    path, (unsigned)st->st_uid, path);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return error_set(
		    err, -EPERM,
		    "%s is writable by group or others (mode "
		    "%04o): suture trusts no configuration another "
		    "user could change; chmod go-w %s",
		    path, st->st_mode & 07777, path);
	return 0;
}

int confdir_check_secure(const char *path, struct error *err)
{
	char real[PATH_MAX], *slash;
	struct stat st;
	int ret;

	if (!realpath(path, real))
		return errno == ENOENT ? -ENOENT
				       : error_set(err, -errno,
						   "cannot read "
						   "%s: %s",
						   path, strerror(errno));
	for (;;) {
		if (stat(real, &st) < 0)
			return error_set(err, -errno, "cannot read %s: %s",
					 real, strerror(errno));
		if ((ret = check_one(real, &st, err)))
			return ret;
		if (!strcmp(real, "/"))
			return 0;
		slash = strrchr(real, '/');
		slash[slash == real] = '\0';
	}
}

int confdir_read(const char *path, char **text, struct error *err)
{
	unsigned char *buf;
	size_t len;
	int ret;

	*text = NULL;
	if ((ret = confdir_check_secure(path, err)) == -ENOENT)
		return 0;
	if (ret || (ret = file_read(path, &buf, &len, err)))
		return ret;
	*text = (char *)buf;
	return 0;
}

/* Whether directory entry @name is a key file: NAME.pub, not hidden. */
static bool is_key_file(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 4 && !strcmp(name + n - 4, ".pub");
}

/* Read trusted key @name of the keys directory into @k. */
static int read_key(const char *name, struct key *k, struct error *err)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", TRUST_KEYS_DIR, name);
	if ((ret = confdir_check_secure(path, err)) == -ENOENT)
		return error_set(err, -ENOENT, "%s vanished while read", path);
	return ret ? ret : key_read_public(path, k, err);
}

int confdir_keys(struct key **keys, size_t *n, struct error *err)
{
	size_t cap = 0;
	struct dirent *d;
	DIR *dir;
	int ret;

	*keys = NULL;
	*n = 0;
	if ((ret = confdir_check_secure(TRUST_KEYS_DIR, err)) == -ENOENT)
		return 0;
	if (ret)
		return ret;
	if (!(dir = opendir(TRUST_KEYS_DIR)))
		return error_set(err, -errno, "cannot read %s: %s",
				 TRUST_KEYS_DIR, strerror(errno));
	while (!ret && (d = readdir(dir)))
		if (is_key_file(d->d_name)) {
			XGROW(*keys, cap, *n);
			ret = read_key(d->d_name, &(*keys)[(*n)++], err);
		}
	closedir(dir);
	if (ret) {
		free(*keys);
		*keys = NULL;
		*n = 0;
	}
	return ret;
}
