/*
 * storewrite.c - enabling and disabling: changing the enabled-patch store
 * (store.h).  Each change holds an exclusive lock on STORE_DIR/lock and
 * replaces the index by rename, so a reader (a process starting, whose
 * suture reads the index) sees the old index or the new one, and a patch
 * file is in place before its line appears and removed after it is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "process/modules.h"
#include "persist/store.h"
#include "trust/confdir.h"
#include "util/file.h"
#include "util/xalloc.h"

/* mkdir @dir mode 0755 whatever the umask, if it does not exist. */
static int make_dir(const char *dir, struct error *err)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return error_set(err, -errno, "cannot create %s: %s", dir,
				 strerror(errno));
	if (errno != EEXIST && chmod(dir, 0755) < 0)
		return error_set(err, -errno, "cannot chmod %s: %s", dir,
				 strerror(errno));
	return 0;
}

/* Create the store if needed, check it is safe and lock it: *fd. */
static int store_lock(int *fd, struct error *err)
{
	int ret;

	errno = 0;
	if ((ret = make_dir(STATE_DIR, err)) ||
	    (ret = make_dir(STORE_DIR, err)) ||
	    (ret = confdir_check_secure(STORE_DIR, err)))
		return ret;
	*fd = open(STORE_DIR "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0 || flock(*fd, LOCK_EX) < 0) {
		ret = error_set(err, -errno, "cannot lock %s/lock: %s",
				STORE_DIR, strerror(errno));
		if (*fd >= 0)
			close(*fd);
	}
	return ret;
}

/* Write @s as the index, readable by every user (so that every process's
 * own suture can read it). */
static int write_index(const struct store *s, struct error *err)
{
	char *text = xstrdup(""), *next;
	int ret;

	for (size_t i = 0; i < s->n; i++) {
		const struct store_entry *e = &s->v[i];

		next = xasprintf("%s%s %s %s%s%s\n", text, e->build_id, e->id,
				 e->name, e->path ? " " : "",
				 e->path ? e->path : "");
		free(text);
		text = next;
	}
	ret = file_write_atomic(STORE_INDEX, text, strlen(text), err);
	free(text);
	if (!ret && chmod(STORE_INDEX, 0644) < 0)
		ret = error_set(err, -errno, "cannot chmod %s: %s", STORE_INDEX,
				strerror(errno));
	return ret;
}

/* Copy @len bytes of @buf into the store as @e's file. */
static int write_copy(const struct store_entry *e, const void *buf, size_t len,
		      struct error *err)
{
	char file[4200];

	store_file(e, file, sizeof(file));
	if (file_write_atomic(file, buf, len, err))
		return -EIO;
	if (chmod(file, 0644) < 0)
		return error_set(err, -errno, "cannot chmod %s: %s", file,
				 strerror(errno));
	return 0;
}

static int add_locked(const void *buf, size_t len, const struct patch *p,
		      const char *path, struct error *err)
{
	struct store s;
	struct store_entry e = {.path = path ? xstrdup(path) : NULL};
	int ret;

	if ((ret = store_read(&s, err)))
		return free(e.path), ret;
	modules_hex(p->build_id, p->build_id_len, e.build_id);
	strcpy(e.id, p->id);
	strcpy(e.name, p->name);
	if (store_find(&s, p->id) || store_find(&s, p->name))
		ret = error_set(err, -EEXIST,
				"a patch named '%s' or with id %s is enabled "
				"already (suture enable --list)",
				p->name, p->id);
	else if (!(ret = write_copy(&e, buf, len, err))) {
		XGROW(s.v, s.cap, s.n);
		s.v[s.n++] = e;
		e.path = NULL;
		ret = write_index(&s, err);
	}
	free(e.path);
	store_free(&s);
	return ret;
}

int store_add(const void *buf, size_t len, const struct patch *p,
	      const char *path, struct error *err)
{
	int fd, ret;

	if ((ret = store_lock(&fd, err)))
		return ret;
	ret = add_locked(buf, len, p, path, err);
	close(fd);
	return ret;
}

static int remove_locked(const char *what, struct store_entry *gone,
			 struct error *err)
{
	const struct store_entry *found;
	char file[4200];
	struct store s;
	size_t i;
	int ret;

	if ((ret = store_read(&s, err)))
		return ret;
	if (!(found = store_find(&s, what))) {
		store_free(&s);
		return error_set(err, -ENOENT,
				 "no enabled patch is named or has the id "
				 "'%s' (suture enable --list)",
				 what);
	}
	i = (size_t)(found - s.v);
	*gone = s.v[i]; /* takes its path */
	memmove(&s.v[i], &s.v[i + 1], (s.n - i - 1) * sizeof(*s.v));
	s.n--;
	if (!(ret = write_index(&s, err)) &&
	    unlink(store_file(gone, file, sizeof(file))) < 0 && errno != ENOENT)
		ret = error_set(err, -errno, "cannot remove %s: %s", file,
				strerror(errno));
	store_free(&s);
	return ret;
}

int store_remove(const char *what, struct store_entry *gone, struct error *err)
{
	int fd, ret;

	if ((ret = store_lock(&fd, err)))
		return ret;
	ret = remove_locked(what, gone, err);
	close(fd);
	return ret;
}
