/*
 * cachedeps.c - listing what a compile read outside the source tree
 * (cachedeps.h).
 *
 * The compiler wrapper runs this for every compile while the build cache
 * is in use.  For a compile the object cache takes, the preprocessed text
 * is there already (its key is made from it); for any other compile the
 * preprocessor runs once more, which costs a fraction of the compile.  The
 * programs come from the driver's -### output: one more run of the driver
 * that starts nothing, a few milliseconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/cachedeps.h"
#include "util/file.h"
#include "util/xalloc.h"

void cachedeps_add(struct cachedeps *d, char kind, const char *path)
{
	xgrow((void **)&d->items, &d->cap, d->n + 1, sizeof(*d->items));
	d->items[d->n++] = xasprintf("%c%s", kind, path);
}

static int cachedeps_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void cachedeps_sort(struct cachedeps *d)
{
	size_t k = 0;

	if (d->n)
		qsort(d->items, d->n, sizeof(*d->items), cachedeps_cmp);
	for (size_t i = 0; i < d->n; i++) {
		if (k && !strcmp(d->items[k - 1], d->items[i]))
			free(d->items[i]);
		else
			d->items[k++] = d->items[i];
	}
	d->n = k;
}

void cachedeps_free(struct cachedeps *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->items[i]);
	free(d->items);
	memset(d, 0, sizeof(*d));
}

/* The next word of a command line the driver printed (quoted by gcc's
 * -### and clang, bare in -v output), or NULL at its end.  New string. */
static char *cachedeps_word(const char **p)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	*p += strspn(*p, " \t");
	if (!**p || **p == '\n')
		return NULL;
	f = open_memstream(&out, &len);
	if (**p == '"') {
		for (++*p; **p && **p != '"' && **p != '\n'; ++*p) {
			if (**p == '\\' && (*p)[1])
				++*p;
			fputc(**p, f);
		}
		*p += **p == '"';
	} else {
		size_t n = strcspn(*p, " \t\n");

		fwrite(*p, 1, n, f);
		*p += n;
	}
	fclose(f);
	return out;
}

/* Whether @dir is the wrapper's own directory (a new one every run, and
 * never where the real programs are). */
static bool cachedeps_wrapper_dir(const char *dir)
{
	const char *w = getenv("SUTURE_CCWRAP_DIR");

	return w && *w && !strcmp(dir, w);
}

/* The program @name as the driver finds it: in @dirs (its COMPILER_PATH,
 * colon-separated), then on PATH.  Added if found, and with it the same
 * name in each directory searched before, where a new program would be
 * run instead. */
static void cachedeps_program(struct cachedeps *d, const char *name,
			      const char *dirs)
{
	const char *path = getenv("PATH");
	char *all = xasprintf("%s:%s", dirs ? dirs : "", path ? path : ""),
	     *save = NULL, *cand = NULL;
	bool found = false;

	if (strchr(name, '/')) {
		cachedeps_add(d, 't', name);
		free(all);
		return;
	}
	for (char *dir = strtok_r(all, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		if (!*dir || cachedeps_wrapper_dir(dir))
			continue;
		cand = xasprintf("%s%s%s", dir,
				 dir[strlen(dir) - 1] == '/' ? "" : "/", name);
		found = access(cand, X_OK) == 0;
		cachedeps_add(d, 't', cand);
		free(cand);
	}
	free(all);
}

/* The files a command line names that the program loads. */
static void cachedeps_command(struct cachedeps *d, const char *line,
			      const char *dirs)
{
	char *w = cachedeps_word(&line), *prev = NULL;

	if (w && w[0] == '(') { /* clang's " (in-process)" */
		free(w);
		return;
	}
	if (w)
		cachedeps_program(d, w, dirs);
	while (w) {
		if (prev &&
		    (!strcmp(prev, "-plugin") || !strcmp(prev, "-load")))
			cachedeps_add(d, 't', w);
		else if (!strncmp(w, "-fplugin=", 9))
			cachedeps_add(d, 't', w + 9);
		else if (!strncmp(w, "-plugin-opt=/", 13))
			cachedeps_add(d, 't', w + 12);
		free(prev);
		prev = w;
		w = cachedeps_word(&line);
	}
	free(prev);
}

void cachedeps_driver(struct cachedeps *d, const char *text, const char *ld)
{
	const char *cp = strstr(text, "\nCOMPILER_PATH=");
	char *dirs = cp ? xstrndup(cp + 15, strcspn(cp + 15, "\n")) : NULL;

	for (const char *p = text; *p; p += strcspn(p, "\n"), p += !!*p)
		if (*p == ' ')
			cachedeps_command(d, p, dirs);
	if (ld)
		cachedeps_program(d, ld, dirs);
	free(dirs);
}

/* The file name of line marker @p ("# 12 \"name\" 1 3"), or NULL. */
static char *cachedeps_marker(const char *p)
{
	if (p[0] != '#' || p[1] != ' ' || p[2] < '0' || p[2] > '9')
		return NULL;
	p += 2 + strspn(p + 2, "0123456789");
	if (p[0] != ' ' || p[1] != '"')
		return NULL;
	p++;
	return cachedeps_word(&p);
}

/* The directories the preprocessor searched, in order, from its -v
 * output @search: those it names "nonexistent" first (a file created in
 * one later would be found), then the list it searched.  Relative ones
 * against @cwd. */
static void cachedeps_search_dirs(struct cachedeps *dirs, const char *search,
				  const char *cwd)
{
	static const char skip[] = "ignoring nonexistent directory \"";
	bool in_list = false;

	for (const char *p = search; p && *p;
	     p += strcspn(p, "\n"), p += !!*p) {
		size_t n = strcspn(p, "\n");
		char *dir = NULL;

		if (!strncmp(p, skip, sizeof(skip) - 1))
			dir = xstrndup(p + sizeof(skip) - 1,
				       strcspn(p + sizeof(skip) - 1, "\"\n"));
		else if (!strncmp(p, "End of search list.", 19))
			in_list = false;
		else if (in_list && p[0] == ' ')
			dir = xstrndup(p + 1, strcspn(p + 1, " \n"));
		else if (strstr(p, "search starts here:") &&
			 strstr(p, "search starts here:") < p + n)
			in_list = true;
		if (dir && dir[0] && dir[0] != '/') {
			char *abs = xasprintf("%s/%s", cwd, dir);

			free(dir);
			dir = abs;
		}
		if (dir && dir[0])
			cachedeps_add(dirs, 'd', dir);
		free(dir);
	}
}

/*
 * Header @h was found under one of @dirs: the same name under each
 * directory searched before it must stay as it was (absent, mostly), or
 * a new file there would be found instead.  Added as 'h' items, except
 * those in the tree (its key covers them).
 */
static void cachedeps_shadows(struct cachedeps *d, const char *h,
			      const struct cachedeps *dirs, const char *root,
			      const char *include)
{
	size_t found = dirs->n, best = 0;

	for (size_t i = 0; i < dirs->n; i++) {
		const char *dir = dirs->items[i] + 1;
		size_t n = strlen(dir);

		if (n > best && !strncmp(h, dir, n) && h[n] == '/') {
			found = i;
			best = n;
		}
	}
	for (size_t i = 0; i < found; i++) {
		char *shadow = xasprintf("%s%s", dirs->items[i] + 1, h + best);

		if (!path_under(shadow, root) && !path_under(shadow, include) &&
		    strcmp(shadow, h))
			cachedeps_add(d, 'h', shadow);
		free(shadow);
	}
}

void cachedeps_markers(struct cachedeps *d, const char *text,
		       const char *search, const char *cwd, const char *root,
		       const char *include)
{
	struct cachedeps names = {0}, dirs = {0};
	char real[PATH_MAX];

	for (const char *p = text; *p; p += strcspn(p, "\n"), p += !!*p) {
		char *name = cachedeps_marker(p);

		if (name && name[0] && name[0] != '<')
			cachedeps_add(&names, 'h', name);
		free(name);
	}
	cachedeps_sort(&names);
	cachedeps_search_dirs(&dirs, search, cwd);
	for (size_t i = 0; i < names.n; i++) {
		const char *name = names.items[i] + 1;
		char *full = name[0] == '/' ? xstrdup(name)
					    : xasprintf("%s/%s", cwd, name);
		const char *r = realpath(full, real) ? real : full;

		if (!path_under(r, root) && !path_under(r, include)) {
			cachedeps_add(d, 'h', full);
			cachedeps_shadows(d, full, &dirs, root, include);
		}
		free(full);
	}
	cachedeps_free(&dirs);
	cachedeps_free(&names);
}

void cachedeps_key(struct cache_key *k, const struct cachedeps *d)
{
	for (size_t i = 0; i < d->n; i++) {
		char *id = cache_dep_id(d->items[i] + 1);

		cache_key_str(k, d->items[i]);
		cache_key_str(k, id);
		free(id);
	}
}

void cachedeps_tools(struct cachedeps *d, const char *real, char **args)
{
	size_t n = 0;
	char **argv, *text = NULL;
	size_t len;

	while (args[n])
		n++;
	argv = xcalloc(n + 2, sizeof(*argv));
	memcpy(argv, args, n * sizeof(*argv));
	argv[n] = "-###";
	if (objcache_capture(real, argv, 2, &text, &len, NULL) == 0)
		cachedeps_driver(d, text, NULL);
	else
		cachedeps_add(d, '?', "the compiler driver's -### failed");
	cachedeps_add(d, 't', real);
	for (size_t i = 1; i < n; i++)
		if (!strncmp(args[i], "-specs=", 7) ||
		    !strncmp(args[i], "--specs=", 8))
			cachedeps_add(d, 't', strchr(args[i], '=') + 1);
	free(text);
	free(argv);
}

char *cachedeps_path(const char *log_path)
{
	return xasprintf("%s.deps", log_path);
}

void cachedeps_append(const char *log_path, const struct cachedeps *d)
{
	char *path = cachedeps_path(log_path), *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int fd;

	for (size_t i = 0; i < d->n; i++)
		fprintf(f, "%c %s\n",
			strchr(d->items[i], '\n') ? '?' : d->items[i][0],
			d->items[i] + 1);
	fclose(f);
	/* One write on an O_APPEND descriptor: parallel compiles' lists do
	 * not interleave. */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, out, len) != (ssize_t)len)
		fprintf(stderr,
			"suture (compiler wrapper): cannot append to %s: %s\n",
			path, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(out);
	free(path);
}

/* The tree (left of the prefix map) and suture's include directory. */
static char *cachedeps_root(void)
{
	const char *map = getenv("SUTURE_CCWRAP_PREFIX_MAP");
	const char *eq = map ? strchr(map, '=') : NULL;

	return eq ? xstrndup(map, eq - map) : NULL;
}

/* Whether the compile reads its source from standard input. */
static bool cachedeps_stdin(char **args)
{
	for (size_t i = 1; args[i]; i++)
		if (!strcmp(args[i], "-"))
			return true;
	return false;
}

void cachedeps_compile(const char *real, char **args, const char *log_path)
{
	const char *cache = getenv("SUTURE_CCWRAP_CACHE");
	struct cachedeps d = {0};
	char **cpp, *text = NULL, *search = NULL, *root, cwd[PATH_MAX];
	size_t len;

	if (!cache || !*cache)
		return;
	cachedeps_tools(&d, real, args);
	cpp = objcache_cpp_args(args);
	root = cachedeps_root();
	if (cachedeps_stdin(args) || !getcwd(cwd, sizeof(cwd)))
		cachedeps_add(&d, '?', "a compile read standard input");
	else if (objcache_capture(real, cpp, 1, &text, &len, &search) != 0)
		cachedeps_add(&d, '?', "the preprocessor failed");
	else
		cachedeps_markers(&d, text, search, cwd, root,
				  getenv("SUTURE_CCWRAP_INCLUDE"));
	cachedeps_sort(&d);
	cachedeps_append(log_path, &d);
	cachedeps_free(&d);
	free(root);
	free(search);
	free(text);
	free(cpp);
}
