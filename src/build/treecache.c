/*
 * treecache.c - the built original tree, kept in the build cache.
 *
 * Every patch for the same original rebuilds the same original: same
 * sources, same command, same compiler.  After a build of the orig tree,
 * what the later stages read of it is stored as one cache entry: the
 * objects and archives linked into --binary, the binary itself, the
 * wrapper's log and the build's output.  The next `suture build` of the same
 * original puts them back into its fresh orig/ copy and builds only the
 * patched tree.
 *
 * The key covers what the build's result can depend on that is known
 * before it runs: the copied tree (every path, file mode, file content and
 * symlink target, after the diffs of an --on base were applied), the build
 * command, --binary, the environment (less variables that only describe
 * the terminal or session), and suture itself (its wrapper decides the
 * compiler options and the log).  Timestamps are left out: they change
 * with every copy, and the compiler's output does not depend on them.
 * What the build read outside the tree is only known after it
 * (cacheinputs.c): the system headers, the compiler's programs and
 * plugins, the libraries, crt files and linker.  Each is recorded in the
 * entry with its identity and checked before the entry is used, so that
 * a package upgrade makes the next build miss.  The verify stage still
 * checks the restored objects against the running binary, function by
 * function, as it checks a fresh build.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/cache.h"
#include "build/cacheinputs.h"
#include "build/pipeline.h"
#include "util/file.h"
#include "util/xalloc.h"

extern char **environ;

/* Variables that describe the session, not the build. */
static const char *const volatile_env[] = {
    "PWD",
    "OLDPWD",
    "SHLVL",
    "_",
    "TERM",
    "COLORTERM",
    "COLUMNS",
    "LINES",
    "DISPLAY",
    "WINDOWID",
    "TMUX",
    "TMUX_PANE",
    "STY",
    "MAIL",
    "LS_COLORS",
    "SSH_CLIENT",
    "SSH_CONNECTION",
    "SSH_TTY",
    "SSH_AUTH_SOCK",
    "XDG_SESSION_ID",
    "XDG_RUNTIME_DIR",
    "TMPDIR",
    "SUTURE_CACHE_DIR",
    "SUTURE_CACHE_SIZE",
};

static bool treecache_volatile(const char *var)
{
	size_t n = strcspn(var, "=");

	for (size_t i = 0; i < CCLOG_LEN(volatile_env); i++)
		if (strlen(volatile_env[i]) == n &&
		    !strncmp(var, volatile_env[i], n))
			return true;
	return false;
}

static int treecache_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void treecache_key_env(struct cache_key *k)
{
	size_t n = 0;
	char **vars;

	while (environ[n])
		n++;
	vars = xcalloc(n + 1, sizeof(*vars));
	memcpy(vars, environ, n * sizeof(*vars));
	qsort(vars, n, sizeof(*vars), treecache_strcmp);
	for (size_t i = 0; i < n; i++)
		if (!treecache_volatile(vars[i]))
			cache_key_str(k, vars[i]);
	free(vars);
}

/* Add the file, link or directory @rel of the tree at @root. */
static int treecache_key_tree(struct cache_key *k, const char *root,
			      const char *rel);

static int treecache_key_entry(struct cache_key *k, const char *root,
			       const char *rel)
{
	char *path = xasprintf("%s/%s", root, rel), link[4096];
	struct error err = {{0}};
	unsigned char *buf;
	struct stat st;
	size_t len;
	ssize_t n;
	int ret = 0;

	cache_key_str(k, rel);
	if (lstat(path, &st) < 0) {
		ret = -errno;
	} else if (S_ISLNK(st.st_mode)) {
		n = readlink(path, link, sizeof(link));
		cache_key_add(k, link, n > 0 ? n : 0);
	} else if (S_ISDIR(st.st_mode)) {
		cache_key_str(k, "dir");
		ret = treecache_key_tree(k, root, rel);
	} else if (!(ret = file_read(path, &buf, &len, &err))) {
		cache_key_add(k, &(int){st.st_mode & 07777}, sizeof(int));
		cache_key_add(k, buf, len);
		free(buf);
	}
	free(path);
	return ret;
}

static int treecache_key_tree(struct cache_key *k, const char *root,
			      const char *rel)
{
	char *dir = *rel ? xasprintf("%s/%s", root, rel) : xstrdup(root);
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), ret = n < 0 ? -errno : 0;

	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char *sub;

		if (!ret && strcmp(name, ".") && strcmp(name, "..")) {
			sub = *rel ? xasprintf("%s/%s", rel, name)
				   : xstrdup(name);
			ret = treecache_key_entry(k, root, sub);
			free(sub);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	free(dir);
	return ret;
}

/* The key of the orig tree's build, into a new string (NULL if the tree
 * cannot be read: then nothing is cached). */
static char *treecache_key(const struct build_ctx *ctx)
{
	char *const *cmd = build_command(ctx);
	struct error err = {{0}};
	char hex[CACHE_KEY_HEX];
	unsigned char *self;
	struct cache_key k;
	size_t len;

	if (file_read("/proc/self/exe", &self, &len, &err))
		return NULL;
	cache_key_init(&k, "tree 2");
	cache_key_add(&k, self, len);
	free(self);
	cache_key_str(&k, ctx->binary);
	for (size_t i = 0; cmd[i]; i++)
		cache_key_str(&k, cmd[i]);
	cache_key_str(&k, NULL);
	cache_key_str(&k, ctx->opts->clean ? ctx->opts->clean : "");
	treecache_key_env(&k);
	if (treecache_key_tree(&k, ctx->tree[TREE_ORIG].root, ""))
		return NULL;
	cache_key_hex(&k, hex);
	return xstrdup(hex);
}

static char *treecache_path(const struct build_ctx *ctx)
{
	return xasprintf("%s/t/%s", ctx->cache, ctx->tree_key);
}

/* @text with every @from replaced by @to (a new string). */
static char *treecache_replace(const struct cache_rec *text, const char *from,
			       const char *to)
{
	char *s = xstrndup((const char *)text->data, text->len), *p = s, *hit;
	char *out = NULL;
	size_t len = 0, fl = strlen(from);
	FILE *f = open_memstream(&out, &len);

	while ((hit = strstr(p, from))) {
		fwrite(p, 1, hit - p, f);
		fputs(to, f);
		p = hit + fl;
	}
	fputs(p, f);
	fclose(f);
	free(s);
	return out;
}

/* Put the files of @e into the orig tree, and its logs, with the scratch
 * directory they name made this run's. */
static int treecache_unpack(struct build_ctx *ctx, const struct cache_entry *e,
			    struct error *err)
{
	const struct build_tree *t = &ctx->tree[TREE_ORIG];
	const struct cache_rec *scratch = cachefile_get(e, "scratch");
	const struct cache_rec *logs[] = {cachefile_get(e, "cclog"),
					  cachefile_get(e, "log")};
	const char *paths[] = {t->cclog_path, t->log_path};
	char *old, *text;
	int ret = 0;

	if (!scratch || !logs[0] || !logs[1])
		return error_set(err, -EBADMSG,
				 "the build cache's entry of the original "
				 "lacks its logs");
	for (size_t i = 0; i < e->n && !ret; i++) {
		const struct cache_rec *r = &e->recs[i];
		char *path;

		if (strncmp(r->name, "file:", 5))
			continue;
		path = xasprintf("%s/%s", t->root, r->name + 5);
		cache_mkdirs(path);
		ret = file_write_atomic(path, r->data, r->len, err);
		free(path);
	}
	old = xstrndup((const char *)scratch->data, scratch->len);
	for (size_t i = 0; i < CCLOG_LEN(logs) && !ret; i++) {
		text = treecache_replace(logs[i], old, ctx->scratch);
		ret = file_write_atomic(paths[i], text, strlen(text), err);
		free(text);
	}
	free(old);
	return ret;
}

/* Whether the scratch path can be replaced in the wrapper's JSON log as
 * plain text (JSON escapes none of its characters). */
static bool treecache_plain_path(const char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
			return false;
	return true;
}

int treecache_restore(struct build_ctx *ctx, struct error *err)
{
	struct build_tree *t = &ctx->tree[TREE_ORIG];
	struct error cerr = {{0}};
	const char *changed;
	struct cache_entry e;
	char *path;
	int ret;

	if (!ctx->cache || !treecache_plain_path(ctx->scratch))
		return 0;
	cacheinputs_start(ctx);
	if (!(ctx->tree_key = treecache_key(ctx)))
		return 0;
	path = treecache_path(ctx);
	ret = cachefile_read(&ctx->cache_mac, path, &e, &cerr);
	if (ret == -EBADMSG)
		build_warn(ctx, "%s", cerr.msg);
	/* A failure half-way through leaves objects make would take for
	 * up to date: the build stops rather than build around them. */
	changed = ret == 0 ? cacheinputs_changed(ctx, &e) : NULL;
	if (changed)
		build_note(ctx,
			   "orig: in the build cache (%.12s) but built with "
			   "%s, which changed since: building it again",
			   ctx->tree_key, changed);
	if (ret == 0 && !changed)
		ret = treecache_unpack(ctx, &e, err);
	else
		ret = 1;
	t->cached = ret == 0;
	if (!changed)
		build_note(ctx, "orig: %s the build cache (%.12s)",
			   t->cached ? "restored from" : "not in",
			   ctx->tree_key);
	cachefile_free(&e);
	free(path);
	return ret < 0 ? ret : 0;
}

/* The records of an entry being assembled, and the buffers they own. */
struct treecache_recs {
	struct cache_rec *recs;
	size_t n;
};

static void treecache_push(struct treecache_recs *r, char *name,
			   unsigned char *data, size_t len)
{
	r->recs = xrealloc(r->recs, (r->n + 1) * sizeof(*r->recs));
	r->recs[r->n++] = (struct cache_rec){name, data, len};
}

/* Add the file at @path as a record called @name (which it takes). */
static int treecache_push_file(struct treecache_recs *r, char *name,
			       const char *path, struct error *err)
{
	unsigned char *buf;
	size_t len;
	int ret = file_read(path, &buf, &len, err);

	if (ret)
		free(name);
	else
		treecache_push(r, name, buf, len);
	return ret;
}

/* What the build read outside the tree, as records "dep:PATH" holding
 * each file's cache_dep_id(). */
static int treecache_push_deps(const struct build_ctx *ctx,
			       struct treecache_recs *r,
			       const struct cclog *log, struct error *err)
{
	struct cachedeps d = {0};
	int ret = cacheinputs_list(ctx, log, &d, err);

	for (size_t i = 0; i < d.n && !ret; i++) {
		char *id;

		if (d.items[i][0] == 'x')
			continue;
		id = cache_dep_id(d.items[i] + 1);
		treecache_push(r, xasprintf("dep:%s", d.items[i] + 1),
			       (unsigned char *)id, strlen(id));
	}
	cachedeps_free(&d);
	return ret;
}

/* The entry of the orig tree just built: its logs, compilers and files. */
static int treecache_collect(const struct build_ctx *ctx,
			     struct treecache_recs *r, struct error *err)
{
	const struct build_tree *t = &ctx->tree[TREE_ORIG];
	struct cclog *log = NULL;
	char **rels = NULL;
	size_t nrels = 0;
	bool fallback;
	int ret;

	treecache_push(r, xstrdup("scratch"),
		       (unsigned char *)xstrdup(ctx->scratch),
		       strlen(ctx->scratch));
	if ((ret = treecache_push_file(r, xstrdup("cclog"), t->cclog_path,
				       err)) ||
	    (ret = treecache_push_file(r, xstrdup("log"), t->log_path, err)) ||
	    (ret = cclog_read(t->cclog_path, &log, err)) ||
	    (ret = cclog_link_set(log, t->root, ctx->binary, &rels,
				  &nrels, &fallback, err)))
		goto out_free;
	if ((ret = treecache_push_deps(ctx, r, log, err)))
		goto out_free;
	rels = xrealloc(rels, (nrels + 1) * sizeof(*rels));
	rels[nrels++] = xstrdup(ctx->binary);
	for (size_t i = 0; i < nrels && !ret; i++) {
		char *path = xasprintf("%s/%s", t->root, rels[i]);

		ret = treecache_push_file(r, xasprintf("file:%s", rels[i]),
					  path, err);
		free(path);
	}
out_free:
	for (size_t i = 0; i < nrels; i++)
		free(rels[i]);
	free(rels);
	cclog_free(log);
	return ret;
}

void treecache_store(struct build_ctx *ctx)
{
	struct treecache_recs r = {0};
	struct error err = {{0}};
	char *path;

	if (!ctx->tree_key || ctx->tree[TREE_ORIG].cached || !ctx->cache_store)
		return;
	path = treecache_path(ctx);
	if (treecache_collect(ctx, &r, &err) ||
	    cachefile_write(&ctx->cache_mac, path, r.recs, r.n, &err))
		build_warn(ctx,
			   "the original was not stored in the build "
			   "cache: %s",
			   err.msg);
	for (size_t i = 0; i < r.n; i++) {
		free((char *)r.recs[i].name);
		free((unsigned char *)r.recs[i].data);
	}
	free(r.recs);
	free(path);
}
