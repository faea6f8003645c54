/*
 * objcache.c - the compiler wrapper's object cache.
 *
 * A compile of one C file into one object is looked up by a key over
 * everything that decides its output:
 *
 *   the compiler (cache_file_id of the real driver), the programs it runs
 *   for this call (cc1 or clang's own -cc1, as: from its -### output,
 *   cachedeps.h, each by cache_dep_id) and the environment variables
 *   that steer it;
 *   the working directory and the final argument list, the wrapper's own
 *   options included;
 *   the preprocessed source (the compiler's own -E with the same
 *   arguments), so that a changed header, define or include path changes
 *   the key, whatever the timestamps say.
 *
 * The scratch tree's path (random per run, different for orig/ and
 * patched/) is replaced by the source tree's path in the working
 * directory, the arguments and the line markers of the preprocessed text:
 * exactly what -ffile-prefix-map does to the object, so two compiles whose
 * keys agree after the replacement give the same bytes.  Anywhere else in
 * the preprocessed text (a string built from $(PWD), say) the path is kept
 * as it is: the object would hold it too, so it must miss.  The path of
 * suture.h's directory is replaced in the arguments only; a file that
 * includes suture.h has it in its line markers and always misses.
 *
 * The dependency file of -MD/-MMD is stored with the object, with the
 * same path replacement.  Calls with other outputs besides the object
 * (-save-temps, split DWARF, coverage notes, -M alone) or inputs the
 * preprocessed text does not show (response files, profiles, plugins,
 * spec files, another compiler directory with -B) are not cached: they
 * compile as before.
 *
 * Every compile, hit or miss, also appends what it read outside the tree
 * to the deps file (cachedeps.h), for the built original's entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build/cache.h"
#include "build/cachedeps.h"
#include "build/cclog.h"
#include "build/ccwrap.h"
#include "util/file.h"
#include "util/xalloc.h"

static const char *const uncacheable[] = {
    "-E",
    "-S",
    "-M",
    "-MM",
    "-MG",
    "-",
    "-save-temps",
    "-gsplit-dwarf",
    "--coverage",
    "-ftest-coverage",
    "-fprofile-arcs",
    "-fstack-usage",
    "-aux-info",
    "-fsyntax-only",
};
static const char *const uncacheable_prefixes[] = {
    "@",      "-save-temps=", "-fprofile-",	  "-fauto-profile", "-fplugin",
    "-specs", "-fdump-",      "-fcallgraph-info", "-Wa,-a",	    "-B",
};
/* Variables that change what the compiler does without showing in -E
 * (the *_OVERRIDE ones edit the argument list in the driver). */
static const char *const key_env[] = {
    "GCC_EXEC_PREFIX",	 "COMPILER_PATH",	 "GCC_COMPARE_DEBUG",
    "SOURCE_DATE_EPOCH", "CCC_OVERRIDE_OPTIONS", "QA_OVERRIDE_GCC3"};
static const char *const side_output_env[] = {"DEPENDENCIES_OUTPUT",
					      "SUNPRO_DEPENDENCIES"};
/*
 * Options that make the preprocessor write a dependency file; the second
 * table takes an argument.  The file of -MD and -MMD (as redis's and
 * automake's makefiles ask for) is stored with the object: what it lists
 * follows from the key, since the preprocessed text's line markers name
 * every file read; the key's own -E run leaves these options out (it would
 * write the file too), the key has them as arguments.
 */
static const char *const dep_options[] = {"-M",	  "-MM", "-MD",
					  "-MMD", "-MG", "-MP"};
static const char *const dep_arg_options[] = {"-MF", "-MT", "-MQ"};

/* One compile being looked up. */
struct objcache_call {
	struct cache_mac mac; /* the cache's key (cache_open) */
	const char *real;
	char **args;	 /* final argument vector (ccwrap_args) */
	const char *src; /* the one .c operand */
	char *out;	 /* the object, as the build named it */
	char *dep;	 /* the dependency file -MD writes, or NULL */
	char *root;	 /* scratch tree (left of the prefix map) */
	const char *dst; /* source tree (right of it) */
	const char *include;
};

static bool objcache_banned(const char *a)
{
	if (cclog_in_list(a, uncacheable, CCLOG_LEN(uncacheable)))
		return true;
	for (size_t i = 0; i < CCLOG_LEN(uncacheable_prefixes); i++)
		if (!strncmp(a, uncacheable_prefixes[i],
			     strlen(uncacheable_prefixes[i])))
			return true;
	return false;
}

/* The output of "-o X" or "-oX" at argv[*i], or NULL. */
static const char *objcache_output_at(int argc, char **argv, int *i)
{
	if (strncmp(argv[*i], "-o", 2))
		return NULL;
	if (argv[*i][2])
		return argv[*i] + 2;
	return *i + 1 < argc ? argv[++*i] : NULL;
}

/* The dependency option at argv[*i] (moving *i past its argument), or
 * NULL; *@file set to the -MF file. */
static const char *objcache_dep_at(int argc, char **argv, int *i,
				   const char **file)
{
	const char *a = argv[*i];

	if (cclog_in_list(a, dep_options, CCLOG_LEN(dep_options)))
		return a;
	for (size_t k = 0; k < CCLOG_LEN(dep_arg_options); k++) {
		if (strncmp(a, dep_arg_options[k], 3))
			continue;
		if (!a[3] && *i + 1 < argc)
			++*i;
		if (k == 0)
			*file = a[3] ? a + 3 : argv[*i];
		return a;
	}
	return NULL;
}

/* c->dep: the -MF file, or as gcc names it, the object's name with .d
 * for .o (c->out always ends in .o). */
static void objcache_dep_name(struct objcache_call *c, const char *mf)
{
	c->dep = mf ? xstrdup(mf)
		    : xasprintf("%.*s.d", (int)strlen(c->out) - 2, c->out);
}

/* Whether @argv compiles one .c file to one .o and nothing else (but a
 * dependency file); sets c->src, c->out and c->dep. */
static bool objcache_cacheable(int argc, char **argv, struct objcache_call *c)
{
	const char *out = NULL, *o, *mf = NULL, *d;
	bool compile = false, dep = false;
	int nsrc = 0;

	for (size_t i = 0; i < CCLOG_LEN(side_output_env); i++)
		if (getenv(side_output_env[i]))
			return false;
	for (int i = 1; i < argc; i++) {
		if (objcache_banned(argv[i]))
			return false;
		if ((o = objcache_output_at(argc, argv, &i)))
			out = o;
		else if ((d = objcache_dep_at(argc, argv, &i, &mf)))
			dep |= !strcmp(d, "-MD") || !strcmp(d, "-MMD");
		else if (!strcmp(argv[i], "-c"))
			compile = true;
		else if (cclog_takes_arg(argv[i]))
			i++;
		else if (argv[i][0] != '-' && ++nsrc == 1)
			c->src = argv[i];
	}
	if (!compile || nsrc != 1 || !cclog_is_source(c->src) ||
	    strcmp(strrchr(c->src, '.'), ".c"))
		return false;
	if (out)
		c->out = xstrdup(out);
	else {
		char *stem = cclog_stem(c->src);

		c->out = xasprintf("%s.o", stem);
		free(stem);
	}
	if (strlen(c->out) <= 2 || strcmp(c->out + strlen(c->out) - 2, ".o"))
		return false;
	if (dep)
		objcache_dep_name(c, mf);
	return true;
}

/* @s with the scratch tree's path replaced as the prefix map replaces it
 * (and, if @args, suture.h's directory by a placeholder).  New string. */
static char *objcache_norm(const struct objcache_call *c, const char *s,
			   bool args)
{
	size_t rl = strlen(c->root), il = c->include ? strlen(c->include) : 0;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	while (*s) {
		/* The root itself, a path under it, or the root as the
		 * left of the prefix map (s[rl] may be the terminating NUL,
		 * which strchr finds too). */
		if (!strncmp(s, c->root, rl) && strchr("/\"=", s[rl])) {
			fputs(c->dst, f);
			s += rl;
		} else if (args && il && !strncmp(s, c->include, il)) {
			fputs("<suture-include>", f);
			s += il;
		} else {
			fputc(*s++, f);
		}
	}
	fclose(f);
	return out;
}

char **objcache_cpp_args(char **args)
{
	int n = 0, k = 0;
	char **a;

	while (args[n])
		n++;
	a = xcalloc(n + 3, sizeof(*a));
	for (int i = 0; i < n; i++) {
		if (!strcmp(args[i], "-c") || objcache_output_at(n, args, &i) ||
		    cclog_in_list(args[i], dep_options, CCLOG_LEN(dep_options)))
			continue;
		if (cclog_in_list(args[i], dep_arg_options,
				  CCLOG_LEN(dep_arg_options))) {
			i++;
			continue;
		}
		a[k++] = args[i];
	}
	a[k++] = "-E";
	a[k++] = "-v"; /* the search path, on stderr (cachedeps_markers) */
	return a;
}

/* What the child wrote to @fd (a memfd), as a new string. */
static char *objcache_memfd_text(int fd)
{
	unsigned char *buf = NULL;
	struct error err = {{0}};
	char *path = xasprintf("/proc/self/fd/%d", fd);
	size_t len;

	if (fd < 0 || file_read(path, &buf, &len, &err))
		buf = (unsigned char *)xstrdup("");
	free(path);
	if (fd >= 0)
		close(fd);
	return (char *)buf;
}

/* Run @real with @argv, what it writes to descriptor @fd (1: the
 * preprocessed text, stderr into *@errtext if not NULL; 2: the compiler's
 * messages or its -### output, stdout left alone) into a new buffer
 * (cachedeps.h). */
int objcache_capture(const char *real, char **argv, int fd, char **buf,
		     size_t *len, char **errtext)
{
	FILE *f = open_memstream(buf, len);
	int fds[2], status = -1,
		    efd = errtext ? memfd_create("stderr", MFD_CLOEXEC) : -1;
	char chunk[65536];
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return fclose(f), -1;
	pid = fork();
	if (pid == 0) {
		if (fd == 1)
			dup2(efd >= 0 ? efd : open("/dev/null", O_WRONLY), 2);
		dup2(fds[1], fd);
		execv(real, argv);
		_exit(CCWRAP_FAILED);
	}
	close(fds[1]);
	while (pid > 0 && (n = read(fds[0], chunk, sizeof(chunk))) != 0)
		if (n > 0)
			fwrite(chunk, 1, n, f);
		else if (errno != EINTR)
			break;
	close(fds[0]);
	fclose(f);
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		status = WIFEXITED(status) ? WEXITSTATUS(status)
					   : 128 + WTERMSIG(status);
	else
		status = -1;
	if (errtext)
		*errtext = objcache_memfd_text(efd);
	return status;
}

/* Add the preprocessed text to @k: line markers ("# 12 \"path\"")
 * normalised one by one, the text between them as it is. */
static void objcache_key_text(struct cache_key *k,
			      const struct objcache_call *c, const char *p)
{
	while (*p) {
		const char *m;
		size_t len;

		if (p[0] == '#' && p[1] == ' ' && p[2] >= '0' && p[2] <= '9') {
			char *line, *n;

			len = strcspn(p, "\n");
			line = xstrndup(p, len);
			n = objcache_norm(c, line, false);
			cache_key_str(k, n);
			free(n);
			free(line);
			p += len + (p[len] == '\n');
		} else {
			m = strstr(p, "\n#");
			len = m ? (size_t)(m - p) + 1 : strlen(p);
			cache_key_add(k, p, len);
			p += len;
		}
	}
}

/* The compiler, the environment that steers it, the working directory and
 * the arguments. */
static void objcache_key_call(struct cache_key *k,
			      const struct objcache_call *c)
{
	char cwd[4096], *s = cache_file_id(c->real);

	cache_key_str(k, s);
	free(s);
	for (size_t i = 0; i < CCLOG_LEN(key_env); i++) {
		cache_key_str(k, key_env[i]);
		cache_key_str(k, getenv(key_env[i]));
	}
	s = objcache_norm(c, getcwd(cwd, sizeof(cwd)) ? cwd : "", false);
	cache_key_str(k, s);
	free(s);
	for (char **a = c->args; *a; a++) {
		s = objcache_norm(c, *a, true);
		cache_key_str(k, s);
		free(s);
	}
}

/*
 * The key of @c into @hex, and in @d what the compile reads outside the
 * tree: the programs the driver runs (cc1, as: part of the key, so that a
 * compiler upgrade that leaves the driver alone still misses) and the
 * headers (the preprocessed text in the key covers them).  False if the
 * driver or the preprocessor fails: the compile then runs uncached.
 */
static bool objcache_key(const struct objcache_call *c, struct cachedeps *d,
			 char hex[CACHE_KEY_HEX])
{
	char **cpp = objcache_cpp_args(c->args), *text = NULL, *search = NULL;
	char cwd[4096];
	struct cache_key k;
	size_t len;
	int status;

	cache_key_init(&k, "object 2");
	objcache_key_call(&k, c);
	cachedeps_tools(d, c->real, c->args);
	cachedeps_sort(d);
	cachedeps_key(&k, d);
	status = objcache_capture(c->real, cpp, 1, &text, &len, &search);
	if (status == 0) {
		objcache_key_text(&k, c, text);
		cachedeps_markers(d, text, search,
				  getcwd(cwd, sizeof(cwd)) ? cwd : "", c->root,
				  c->include);
	}
	cache_key_hex(&k, hex);
	free(search);
	free(text);
	free(cpp);
	return status == 0 && !(d->n && d->items[0][0] == '?');
}

/* Pass the compiler's messages on to the build's output. */
static void objcache_say(const void *msg, size_t len)
{
	const char *p = msg;
	ssize_t n;

	while (len && ((n = write(2, p, len)) > 0 || errno == EINTR))
		if (n > 0) {
			p += n;
			len -= n;
		}
}

/* Write the stored dependency file @rec for @c, the source tree's path
 * in it (as objcache_norm made it) back to this scratch tree's. */
static bool objcache_put_dep(const struct objcache_call *c,
			     const struct cache_rec *rec)
{
	size_t dl = strlen(c->dst), len = 0;
	const char *p = (const char *)rec->data, *end = p + rec->len;
	struct error err = {{0}};
	char *text = NULL;
	FILE *f = open_memstream(&text, &len);
	bool ok;

	while (p < end)
		if ((size_t)(end - p) > dl && !strncmp(p, c->dst, dl) &&
		    p[dl] == '/') {
			fputs(c->root, f);
			p += dl;
		} else {
			fputc(*p++, f);
		}
	fclose(f);
	ok = file_write_atomic(c->dep, text, len, &err) == 0;
	free(text);
	return ok;
}

/* A hit: the object, its dependency file and the compiler's messages, as
 * the compile gave them.  False if the entry cannot be used. */
static bool objcache_restore(const struct objcache_call *c,
			     const struct cache_entry *e)
{
	const struct cache_rec *obj = cachefile_get(e, "object");
	const struct cache_rec *msg = cachefile_get(e, "stderr");
	const struct cache_rec *dep = cachefile_get(e, "deps");
	struct error err = {{0}};

	if (!obj || !msg || (c->dep && (!dep || !objcache_put_dep(c, dep))) ||
	    file_write_atomic(c->out, obj->data, obj->len, &err))
		return false;
	objcache_say(msg->data, msg->len);
	return true;
}

/* A miss: compile, pass the messages on and store what came out (a
 * cache that cannot be written is only slower). */
static int objcache_fill(const struct objcache_call *c, const char *path)
{
	unsigned char *obj = NULL, *dep = NULL;
	struct error err = {{0}};
	char *msg = NULL;
	size_t mlen = 0, olen, dlen;
	int status = objcache_capture(c->real, c->args, 2, &msg, &mlen, NULL);

	objcache_say(msg, mlen);
	if (status == 0 && file_read(c->out, &obj, &olen, &err) == 0 &&
	    (!c->dep || file_read(c->dep, &dep, &dlen, &err) == 0)) {
		char *deps = dep ? objcache_norm(c, (char *)dep, false) : NULL;
		struct cache_rec recs[] = {
		    {"object", obj, olen},
		    {"stderr", (unsigned char *)msg, mlen},
		    {"deps", (unsigned char *)deps, deps ? strlen(deps) : 0},
		};

		cachefile_write(&c->mac, path, recs, CCLOG_LEN(recs) - !deps,
				&err);
		free(deps);
	}
	free(dep);
	free(obj);
	free(msg);
	return status < 0 ? CCWRAP_FAILED : status;
}

/* Whether suture build was asked for a shared cache (--shared-cache). */
static bool objcache_shared(void)
{
	const char *s = getenv("SUTURE_CCWRAP_CACHE_SHARED");

	return s && !strcmp(s, "1");
}

/* The entry's file for key @hex: o/XX/REST, 256 directories. */
static char *objcache_path(const char *dir, const char *hex)
{
	return xasprintf("%s/o/%.2s/%s", dir, hex, hex + 2);
}

int objcache_compile(const char *dir, const char *real, int argc, char **argv,
		     const char *log_path)
{
	const char *map = getenv("SUTURE_CCWRAP_PREFIX_MAP"), *eq;
	struct objcache_call c = {.real = real};
	struct error err = {{0}};
	char hex[CACHE_KEY_HEX], *path;
	struct cachedeps deps = {0};
	struct cache_entry e;
	int ret;

	if (!map || !(eq = strchr(map, '=')) ||
	    !objcache_cacheable(argc, argv, &c)) {
		free(c.out);
		free(c.dep);
		return -1;
	}
	/* Checked on every use: the directory could have changed hands since
	 * suture build looked.  Refused: compile without the cache. */
	mkdir(dir, 0700); /* the private cache in the scratch directory */
	if (cache_open(dir, objcache_shared(), &c.mac, &err)) {
		fprintf(stderr, "suture (compiler wrapper): %s\n", err.msg);
		free(c.out);
		free(c.dep);
		return -1;
	}
	c.root = xstrndup(map, eq - map);
	c.dst = eq + 1;
	c.include = getenv("SUTURE_CCWRAP_INCLUDE");
	c.args = ccwrap_args(real, argc, argv);
	if (!objcache_key(&c, &deps, hex)) {
		ret = -1;
		goto out_free;
	}
	cachedeps_sort(&deps);
	cachedeps_append(log_path, &deps);
	path = objcache_path(dir, hex);
	ret = cachefile_read(&c.mac, path, &e, &err);
	if (ret == -EBADMSG)
		fprintf(stderr, "suture (compiler wrapper): %s\n", err.msg);
	if (ret == 0 && objcache_restore(&c, &e))
		ret = ccwrap_note(log_path, real, argc, argv, "hit");
	else if (!(ret = ccwrap_note(log_path, real, argc, argv,
				     ret == -EBADMSG ? "damaged" : "miss")))
		ret = objcache_fill(&c, path);
	cachefile_free(&e);
	free(path);
out_free:
	cachedeps_free(&deps);
	free(c.root);
	free(c.out);
	free(c.dep);
	return ret;
}
