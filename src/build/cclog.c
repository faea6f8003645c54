/*
 * cclog.c - reading the compiler-call log and deriving the link set.
 *
 * Compiler command lines are parsed only as far as needed: which operands
 * are files (inputs), where the output goes, and whether the call compiles
 * or links.  Options that take a separate argument are listed below so that
 * their argument is not mistaken for an input file.
 */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/cclog.h"
#include "util/xalloc.h"

/* GCC/Clang options whose argument is the next word. */
static const char *const arg_options[] = {
    "-o",
    "-I",
    "-D",
    "-U",
    "-include",
    "-imacros",
    "-isystem",
    "-iquote",
    "-idirafter",
    "-iprefix",
    "-x",
    "-MF",
    "-MT",
    "-MQ",
    "-L",
    "-l",
    "-Xlinker",
    "-Xassembler",
    "-Xpreprocessor",
    "-T",
    "-u",
    "-e",
    "-z",
    "-isysroot",
    "-target",
    "--param",
    "-aux-info",
    "-Xclang",
    "-arch",
};

/* Options after which the call produces nothing linkable. */
static const char *const other_options[] = {"-E", "-S", "-M", "-MM"};

static const char *const source_suffixes[] = {
    ".c", ".i", ".s", ".S", ".cc", ".cpp", ".cxx", ".C", ".m",
};

bool cclog_in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

bool cclog_is_source(const char *arg)
{
	if (arg[0] == '-')
		return false;
	for (size_t i = 0; i < CCLOG_LEN(source_suffixes); i++)
		if (has_suffix(arg, source_suffixes[i]))
			return true;
	return false;
}

bool cclog_takes_arg(const char *arg)
{
	return cclog_in_list(arg, arg_options, CCLOG_LEN(arg_options));
}

char *cclog_stem(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	return xasprintf("%.*s", (int)(dot ? dot - base : (long)strlen(base)),
			 base);
}

/* @path made absolute against @cwd, with symlinks resolved if it exists. */
static char *cclog_abs(const char *cwd, const char *path)
{
	char *joined =
	    path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", cwd, path);
	char real[PATH_MAX];

	if (realpath(joined, real)) {
		free(joined);
		return xstrdup(real);
	}
	return joined;
}

/* The default output of `cc -c dir/x.c`: x.o in the working directory. */
static char *cclog_default_object(const char *cwd, const char *src)
{
	char *stem = cclog_stem(src), *obj = xasprintf("%s/%s.o", cwd, stem);

	free(stem);
	return obj;
}

static void cclog_add_input(struct cc_cmd *c, const char *arg)
{
	c->inputs = xrealloc(c->inputs, (c->ninputs + 1) * sizeof(char *));
	c->inputs[c->ninputs++] = cclog_abs(c->cwd, arg);
	if (cclog_is_source(arg))
		c->has_sources = true;
}

/* The value of option @opt ("-L", "-l") at argv[*i], joined or separate;
 * NULL if argv[*i] is not that option. */
static const char *cclog_opt_value(const struct cc_cmd *c, size_t *i,
				   const char *opt)
{
	const char *a = c->argv[*i];
	size_t n = strlen(opt);

	if (strncmp(a, opt, n))
		return NULL;
	if (a[n])
		return a + n;
	return *i + 1 < c->argc ? c->argv[++*i] : NULL;
}

/* libNAME.a as the linker would find it in @dirs, or NULL when a shared
 * libNAME.so comes first (another module) or none is found. */
static char *cclog_find_lib(const struct cc_cmd *c, char **dirs, size_t n,
			    const char *name)
{
	for (size_t i = 0; i < n; i++) {
		char *so = xasprintf("%s/lib%s.so", dirs[i], name);
		char *a = xasprintf("%s/lib%s.a", dirs[i], name);
		bool has_so = access(so, F_OK) == 0;

		free(so);
		if (!has_so && access(a, F_OK) == 0)
			return a;
		free(a);
		if (has_so)
			return NULL;
	}
	return NULL;
}

/* Static libraries named with -lNAME that the build made (found through
 * the -L directories) are inputs too. */
static void cclog_add_libs(struct cc_cmd *c)
{
	char **dirs = NULL, *lib;
	size_t ndirs = 0;
	const char *v;

	for (size_t i = 1; i < c->argc; i++)
		if ((v = cclog_opt_value(c, &i, "-L"))) {
			dirs = xrealloc(dirs, (ndirs + 1) * sizeof(char *));
			dirs[ndirs++] = cclog_abs(c->cwd, v);
		}
	for (size_t i = 1; i < c->argc; i++)
		if ((v = cclog_opt_value(c, &i, "-l")) &&
		    (lib = cclog_find_lib(c, dirs, ndirs, v))) {
			cclog_add_input(c, lib);
			free(lib);
		}
	for (size_t i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(dirs);
}

/* Classify @c and find its operands from its argument vector. */
static void cclog_parse_args(struct cc_cmd *c)
{
	bool compile = false, other = false;
	const char *out = NULL;

	for (size_t i = 1; i < c->argc; i++) {
		const char *a = c->argv[i];

		if (!strcmp(a, "-c"))
			compile = true;
		else if (cclog_in_list(a, other_options,
				       CCLOG_LEN(other_options)))
			other = true;
		else if (!strcmp(a, "-o") && i + 1 < c->argc)
			out = c->argv[i + 1];
		if (cclog_in_list(a, arg_options, CCLOG_LEN(arg_options)))
			i++;
		else if (a[0] != '-' || !strcmp(a, "-"))
			cclog_add_input(c, a);
	}
	c->kind = other ? CC_OTHER : compile ? CC_COMPILE : CC_LINK;
	if (c->kind == CC_LINK)
		cclog_add_libs(c);
	if (c->kind == CC_LINK && !c->ninputs)
		c->kind = CC_OTHER; /* --version and friends */
	if (out)
		c->output = cclog_abs(c->cwd, out);
	else if (c->kind == CC_COMPILE && c->ninputs)
		c->output = cclog_default_object(c->cwd, c->inputs[0]);
	else if (c->kind == CC_LINK)
		c->output = cclog_abs(c->cwd, "a.out");
}

static int cclog_parse_line(json_t *j, struct cc_cmd *c)
{
	const char *cwd = json_string_value(json_object_get(j, "cwd"));
	const char *comp = json_string_value(json_object_get(j, "compiler"));
	const char *cache = json_string_value(json_object_get(j, "cache"));
	json_t *argv = json_object_get(j, "argv");

	if (!cwd || !json_is_array(argv) || json_array_size(argv) < 1)
		return -EINVAL;
	c->cwd = xstrdup(cwd);
	c->compiler = xstrdup(comp ? comp : "");
	c->cache_hit = cache && !strcmp(cache, "hit");
	c->argc = json_array_size(argv);
	c->argv = xcalloc(c->argc + 1, sizeof(char *));
	for (size_t i = 0; i < c->argc; i++) {
		const char *a = json_string_value(json_array_get(argv, i));

		c->argv[i] = xstrdup(a ? a : "");
	}
	cclog_parse_args(c);
	return 0;
}

int cclog_read(const char *path, struct cclog **out, struct error *err)
{
	struct cclog *log = xcalloc(1, sizeof(*log));
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	FILE *f = fopen(path, "re");

	*out = log;
	if (!f)
		return errno == ENOENT
			   ? 0
			   : error_set(err, -errno, "cannot read %s: %s", path,
				       strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		json_t *j = json_loads(line, 0, NULL);
		struct cc_cmd c = {0};

		lineno++;
		if (!j || cclog_parse_line(j, &c)) {
			json_decref(j);
			free(line);
			fclose(f);
			return error_set(err, -EINVAL,
					 "%s:%zu: malformed compiler log line",
					 path, lineno);
		}
		json_decref(j);
		log->cmds = xrealloc(log->cmds, (log->n + 1) * sizeof(c));
		log->cmds[log->n++] = c;
	}
	free(line);
	fclose(f);
	return 0;
}

void cclog_free(struct cclog *log)
{
	if (!log)
		return;
	for (size_t i = 0; i < log->n; i++) {
		struct cc_cmd *c = &log->cmds[i];

		for (size_t k = 0; k < c->argc; k++)
			free(c->argv[k]);
		for (size_t k = 0; k < c->ninputs; k++)
			free(c->inputs[k]);
		free(c->argv);
		free(c->inputs);
		free(c->cwd);
		free(c->compiler);
		free(c->output);
	}
	free(log->cmds);
	free(log);
}

/* @abs relative to @root, or NULL if it lies outside. */
static char *cclog_rel(const char *root, const char *abs)
{
	size_t n = strlen(root);

	if (strncmp(abs, root, n) || abs[n] != '/')
		return NULL;
	return xstrdup(abs + n + 1);
}

static void cclog_push(char ***rels, size_t *n, char *rel)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*rels)[i], rel)) {
			free(rel);
			return;
		}
	*rels = xrealloc(*rels, (*n + 1) * sizeof(char *));
	(*rels)[(*n)++] = rel;
}

const struct cc_cmd *cclog_linker_of(const struct cclog *log,
				     const char *abs_binary)
{
	const struct cc_cmd *found = NULL;

	for (size_t i = 0; i < log->n; i++)
		if (log->cmds[i].kind == CC_LINK && log->cmds[i].output &&
		    !strcmp(log->cmds[i].output, abs_binary))
			found = &log->cmds[i];
	return found;
}

static void cclog_all_objects(const struct cclog *log, const char *root,
			      char ***rels, size_t *n)
{
	for (size_t i = 0; i < log->n; i++) {
		const struct cc_cmd *c = &log->cmds[i];
		char *rel;

		if (c->kind != CC_COMPILE || !c->output ||
		    !has_suffix(c->output, ".o"))
			continue;
		if ((rel = cclog_rel(root, c->output)))
			cclog_push(rels, n, rel);
	}
}

int cclog_link_set(const struct cclog *log, const char *root,
		   const char *binary_rel, char ***rels, size_t *n,
		   bool *fallback, struct error *err)
{
	char *abs = cclog_abs(root, binary_rel);
	const struct cc_cmd *link = cclog_linker_of(log, abs);

	*rels = NULL;
	*n = 0;
	*fallback = !link;
	free(abs);
	if (link && link->has_sources)
		return error_set(err, -ENOTSUP,
				 "%s is compiled and linked by one compiler "
				 "call (%s ...); suture needs the objects, so "
				 "compile with -c and link the .o files",
				 binary_rel, link->argv[0]);
	if (!link) {
		cclog_all_objects(log, root, rels, n);
		return 0;
	}
	for (size_t i = 0; i < link->ninputs; i++) {
		const char *in = link->inputs[i];
		char *rel;

		if ((has_suffix(in, ".o") || has_suffix(in, ".a")) &&
		    (rel = cclog_rel(root, in)))
			cclog_push(rels, n, rel);
	}
	return 0;
}

const struct cc_cmd *cclog_producer(const struct cclog *log,
				    const char *abs_obj)
{
	const struct cc_cmd *found = NULL;

	for (size_t i = 0; i < log->n; i++)
		if (log->cmds[i].kind == CC_COMPILE && log->cmds[i].output &&
		    !strcmp(log->cmds[i].output, abs_obj))
			found = &log->cmds[i];
	return found;
}

const char *cclog_source(const struct cc_cmd *c)
{
	for (size_t i = 0; i < c->ninputs; i++)
		if (cclog_is_source(c->inputs[i]))
			return c->inputs[i];
	return NULL;
}
