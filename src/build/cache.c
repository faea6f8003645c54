/*
 * cache.c - where the build cache lives and how big it may grow.
 *
 * The limit is enforced by `suture build` once per run, after its builds,
 * not by the compiler wrapper: a walk over the directory per compile would
 * cost more than most cache hits save.  Every hit touches its entry, so
 * the oldest modification times are the least recently used entries.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build/cache.h"
#include "util/xalloc.h"

/* A temporary file older than this belongs to a writer that died. */
#define CACHE_STALE_TMP_S 3600

char *cache_abs_dir(const char *dir)
{
	char cwd[PATH_MAX];

	if (dir[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return xstrdup(dir);
	return xasprintf("%s/%s", cwd, dir);
}

char *cache_default_dir(void)
{
	const char *dir = getenv("SUTURE_CACHE_DIR");
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char *rel, *abs;

	if (dir && *dir)
		return cache_abs_dir(dir);
	if (xdg && *xdg)
		rel = xasprintf("%s/suture", xdg);
	else if (home && *home)
		rel = xasprintf("%s/.cache/suture", home);
	else
		return NULL;
	abs = cache_abs_dir(rel);
	free(rel);
	return abs;
}

int cache_prepare(const char *dir, struct error *err)
{
	char *parent = xasprintf("%s/..", dir);
	int ret = 0;

	/* One level of parents (~/.cache) is created too, as XDG asks. */
	mkdir(parent, 0700);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		ret = error_set(err, -errno,
				"cannot create the build cache %s: %s", dir,
				strerror(errno));
	else if (access(dir, W_OK) < 0)
		ret = error_set(err, -errno,
				"cannot write to the build cache %s: %s", dir,
				strerror(errno));
	free(parent);
	return ret;
}

struct cache_file {
	char *path;
	off_t size;
	time_t used;
};

struct cache_list {
	struct cache_file *files;
	size_t n;
	uint64_t total;
};

static void cache_walk(const char *dir, struct cache_list *l, time_t now)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char *path;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(path, &st) < 0) {
			free(path);
		} else if (S_ISDIR(st.st_mode)) {
			cache_walk(path, l, now);
			free(path);
		} else if (strstr(de->d_name, ".tmp.") &&
			   now - st.st_mtime < CACHE_STALE_TMP_S) {
			free(path); /* a writer's, still being written */
		} else {
			l->files =
			    xrealloc(l->files, (l->n + 1) * sizeof(*l->files));
			l->files[l->n++] =
			    (struct cache_file){path, st.st_size, st.st_mtime};
			l->total += st.st_size;
		}
	}
	if (d)
		closedir(d);
}

static int cache_older(const void *a, const void *b)
{
	const struct cache_file *x = a, *y = b;

	return (x->used > y->used) - (x->used < y->used);
}

static uint64_t cache_limit(void)
{
	const char *s = getenv("SUTURE_CACHE_SIZE");
	char *end;
	unsigned long long mib = s ? strtoull(s, &end, 10) : 0;

	if (!s || !*s || *end)
		mib = CACHE_DEFAULT_MIB;
	return (uint64_t)mib << 20;
}

void cache_trim(const char *dir)
{
	struct cache_list l = {0};
	uint64_t limit = cache_limit();

	cache_walk(dir, &l, time(NULL));
	if (l.total > limit)
		qsort(l.files, l.n, sizeof(*l.files), cache_older);
	for (size_t i = 0; i < l.n; i++) {
		if (l.total > limit && unlink(l.files[i].path) == 0)
			l.total -= l.files[i].size;
		free(l.files[i].path);
	}
	free(l.files);
}
