/*
 * run.c - stage 2: build the scratch copies with the compiler wrapper, the
 * original first, then the patched copy, which takes the original's object
 * of every compile whose input the diff left alone from the object cache.
 *
 * A directory of symlinks named after the compilers a build may call
 * (cc, gcc, clang, gcc-12, x86_64-linux-gnu-gcc, ...) points at the suture
 * binary and goes first on PATH; main() turns such calls into
 * ccwrap_main(), which logs them and runs the real compiler with
 * -ffunction-sections -fdata-sections and a prefix map.  Builds that name
 * a compiler by absolute path bypass the wrapper and are caught later,
 * when the log turns out empty.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arch/arch.h"
#include "build/builddir.h"
#include "build/pipeline.h"
#include "build/runwatch.h"
#include "build/sandbox.h"
#include "build/spawn.h"
#include "util/file.h"
#include "util/xalloc.h"

/* Names always wrapped, whether or not they exist on PATH. */
static const char *const wrapped_names[] = {"cc", "gcc", "clang", "c99"};

/* Whether @name is a versioned or triplet-prefixed compiler name. */
static bool run_is_compiler_name(const char *name)
{
	size_t tl = strlen(arch_gnu_triplet);

	if (!strncmp(name, arch_gnu_triplet, tl) && name[tl] == '-')
		name += tl + 1;
	if (!strcmp(name, "gcc"))
		return true;
	if (!strncmp(name, "gcc-", 4))
		return name[4] >= '0' && name[4] <= '9';
	if (!strncmp(name, "clang-", 6))
		return name[6] >= '0' && name[6] <= '9';
	return false;
}

/* PATH inside a root (--root): the root's own directories only. */
static const char root_path[] = "/usr/local/bin:/usr/bin:/bin";

/* Make @name in @bindir stand for the wrapper: a symlink to suture, or
 * inside a root a script that starts the host's suture (sandbox.c). */
static int run_link(const struct build_ctx *ctx, const char *bindir,
		    const char *name, const char *self, struct error *err)
{
	char *path = xasprintf("%s/%s", bindir, name);
	int ret = 0;

	if (access(path, F_OK) == 0)
		ret = 0; /* a name found twice on PATH */
	else if (ctx->opts->root)
		ret = sandbox_wrapper(path, err);
	else if (symlink(self, path) < 0)
		ret = error_set(err, -errno, "cannot create %s: %s", path,
				strerror(errno));
	free(path);
	return ret;
}

/* Link every compiler-like name found in the directories of PATH (of
 * the root's PATH, under the root, with --root). */
static int run_link_path_names(const struct build_ctx *ctx, const char *bindir,
			       const char *self, struct error *err)
{
	const char *root = ctx->opts->root;
	char *path = xstrdup(root ? root_path : getenv("PATH") ?: "");
	char *save = NULL;
	int ret = 0;

	for (char *dir = strtok_r(path, ":", &save); dir && !ret;
	     dir = strtok_r(NULL, ":", &save)) {
		char *full = xasprintf("%s%s", root ? root : "", dir);
		DIR *d = opendir(full);
		struct dirent *de;

		while (d && !ret && (de = readdir(d)))
			if (run_is_compiler_name(de->d_name))
				ret = run_link(ctx, bindir, de->d_name, self,
					       err);
		if (d)
			closedir(d);
		free(full);
	}
	free(path);
	return ret;
}

static int run_make_bindir(struct build_ctx *ctx, char **bindir,
			   struct error *err)
{
	char self[PATH_MAX];
	int ret = 0;

	if (!realpath("/proc/self/exe", self))
		return error_set(err, -errno,
				 "cannot find the suture binary: "
				 "%s",
				 strerror(errno));
	*bindir = xasprintf("%s/bin", ctx->scratch);
	if (mkdir(*bindir, 0755) < 0)
		return error_set(err, -errno, "cannot create %s: %s", *bindir,
				 strerror(errno));
	for (size_t i = 0; i < sizeof(wrapped_names) / sizeof(*wrapped_names);
	     i++)
		if ((ret = run_link(ctx, *bindir, wrapped_names[i], self, err)))
			return ret;
	return run_link_path_names(ctx, *bindir, self, err);
}

/* SCRATCH/include/suture.h, which the wrapper puts on the include path of
 * every compile (after the build's own directories). */
static int run_write_header(struct build_ctx *ctx, struct error *err)
{
	char *dir = xasprintf("%s/include", ctx->scratch);
	char *path = xasprintf("%s/suture.h", dir);
	int ret = 0;

	if (mkdir(dir, 0755) < 0)
		ret = error_set(err, -errno, "cannot create %s: %s", dir,
				strerror(errno));
	else
		ret = file_write_atomic(path, suture_h_text,
					strlen(suture_h_text), err);
	free(path);
	free(dir);
	return ret;
}

/*
 * The SOURCE_DATE_EPOCH of both builds: the caller's, if set (the
 * production build may have used it, and then __DATE__ and __TIME__ match
 * the target), else a fixed one.  Never the current time: the same inputs
 * must give the same patch file, and both trees must expand __DATE__ and
 * __TIME__ alike so that they do not count as changes.
 */
static const char *run_epoch(void)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");

	return e && *e ? e : "0";
}

/*
 * The environment of one tree's build: the wrapper first on PATH, pointed
 * at the tree's log.  NULL-terminated; the caller frees each string and
 * the array.
 */
static char **run_env(const struct build_ctx *ctx, const struct build_tree *t,
		      const char *bindir, const char *cclog,
		      const char *objcache, const char *cc)
{
	const char *path = ctx->opts->root ? root_path : getenv("PATH");
	char **env = xcalloc(11, sizeof(*env));
	char *map = builddir_prefix_map(ctx, t);

	env[0] =
	    xasprintf("PATH=%s%s%s", bindir, path ? ":" : "", path ? path : "");
	env[1] = xasprintf("CC=%s", cc);
	env[2] = xasprintf("SUTURE_CCWRAP_LOG=%s", cclog);
	env[3] = xasprintf("SUTURE_CCWRAP_DIR=%s", bindir);
	env[4] =
	    xasprintf("SUTURE_CCWRAP_PREFIX_MAP=%s=%s", t->root, ctx->src_real);
	env[5] = xasprintf("SOURCE_DATE_EPOCH=%s", run_epoch());
	env[6] = xasprintf("SUTURE_CCWRAP_INCLUDE=%s/include", ctx->scratch);
	env[7] = xasprintf("SUTURE_CCWRAP_CACHE=%s", objcache);
	env[8] = xasprintf("SUTURE_CCWRAP_BUILD_MAP=%s", map ? map : "");
	env[9] = xasprintf("SUTURE_CCWRAP_CACHE_SHARED=%d",
			   ctx->opts->cache_shared && ctx->cache);
	free(map);
	return env;
}

/* build_spawn(), the child leading a process group of its own if @group. */
static int run_spawn(const struct build_ctx *ctx, char *const *argv,
		     const char *cwd, char *const *env, const char *log_path,
		     bool group, pid_t *pid, struct error *err)
{
	int (*start)(char *const *, const char *, char *const *, const char *,
		     pid_t *, struct error *) =
	    group ? spawn_start_group : spawn_start;
	char **boxed;
	int ret;

	if (!ctx->opts->root)
		return start(argv, cwd, env, log_path, pid, err);
	if ((ret = sandbox_argv(ctx->opts->root, ctx->scratch, cwd, argv,
				&boxed, err)))
		return ret;
	ret = start(boxed, cwd, env, log_path, pid, err);
	strv_free(boxed);
	return ret;
}

int build_spawn(const struct build_ctx *ctx, char *const *argv, const char *cwd,
		char *const *env, const char *log_path, pid_t *pid,
		struct error *err)
{
	return run_spawn(ctx, argv, cwd, env, log_path, false, pid, err);
}

int build_helper(const struct build_ctx *ctx, char *const *argv,
		 const char *log_path, struct error *err)
{
	pid_t pid;
	int ret =
	    build_spawn(ctx, argv, ctx->scratch, NULL, log_path, &pid, err);

	return ret ? ret : spawn_wait(pid, argv[0], log_path, err);
}

char *build_capture(const struct build_ctx *ctx, char *const *argv)
{
	char *log = xasprintf("%s/record.log", ctx->scratch);
	struct error err = {{0}};
	unsigned char *buf = NULL;
	char *line = NULL;
	size_t len;

	unlink(log);
	if (build_helper(ctx, argv, log, &err) == 0 &&
	    file_read(log, &buf, &len, &err) == 0 && len && buf[0] != '\n')
		line = xasprintf("%.*s", (int)strcspn((char *)buf, "\n"), buf);
	free(buf);
	free(log);
	return line;
}

/* Explain the failure of the build of @t (status @ret from spawn_wait). */
static int run_explain(struct build_ctx *ctx, struct build_tree *t, int ret,
		       const char *cmd, struct error *err)
{
	char *tail;

	if (ret <= 0)
		return ret;
	tail = spawn_log_tail(t->log_path, 25, 3000);
	build_detail(ctx, "last lines of %s%s:\n%s", t->log_path,
		     ctx->opts->keep ? "" : " (--keep keeps it)", tail);
	free(tail);
	error_set(err, -EINVAL,
		  "the build of the %s tree failed (%s exited with status %d)",
		  t->label, cmd, ret);
	products_explain(ctx, t, err);
	return -EINVAL;
}

/*
 * The object cache of both builds: the build cache if it can be written,
 * else (--no-cache, --root, a cache that cannot be written) a private one
 * in the scratch directory, removed with it.  Either way the patched tree,
 * built after the original, takes from it every object whose compile had
 * the same input (objcache.c), and compiles only what the diff changed.
 */
static char *run_objcache(const struct build_ctx *ctx)
{
	if (ctx->cache && ctx->cache_store)
		return xstrdup(ctx->cache);
	return xasprintf("%s/objcache", ctx->scratch);
}

/*
 * Configure @t's build directory, if the build has one (builddir.h), in
 * the wrapper's environment with its own compiler log, no object cache
 * (configure's test compiles are thrown away) and the compiler the
 * user's build directory names.
 */
static int run_configure(struct build_ctx *ctx, const struct build_tree *t,
			 const char *bindir, struct error *err)
{
	char *log, **env;
	int ret;

	if (!ctx->bdir)
		return 0;
	log = xasprintf("%s/%s-configure.cclog", ctx->scratch, t->label);
	env = run_env(ctx, t, bindir, log, "", ctx->bdir->compiler);
	ret = builddir_configure(ctx, t, bindir, env, err);
	strv_free(env);
	free(log);
	return ret;
}

/* Build tree @t with @cmd, reporting its progress as @what. */
static int run_tree(struct build_ctx *ctx, struct build_tree *t,
		    const char *what, const char *bindir, struct error *err)
{
	char *const *cmd = build_command(ctx);
	char *objcache = run_objcache(ctx), *text;
	char **env = run_env(ctx, t, bindir, t->cclog_path, objcache, "cc");
	struct runwatch_count count = {0};
	struct timespec t0, t1;
	pid_t pid;
	int ret;

	build_progress(ctx, true, "building %s: %s ...", what, cmd[0]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!(ret = run_configure(ctx, t, bindir, err)))
		ret = run_spawn(ctx, cmd, t->root, env, t->log_path, true, &pid,
				err);
	strv_free(env);
	free(objcache);
	if (ret)
		return ret;
	ret = runwatch_wait(ctx, t, pid, cmd[0], what, &count, err);
	if ((ret = run_explain(ctx, t, ret, cmd[0], err)))
		return ret;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	text = runwatch_text(&count);
	build_progress(ctx, true, "%s built in %.1f s (%s)", what,
		       (double)(t1.tv_sec - t0.tv_sec) +
			   (t1.tv_nsec - t0.tv_nsec) / 1e9,
		       text);
	free(text);
	return 0;
}

/*
 * The original first, then the patched tree: then every compile of the
 * patched tree whose input is the original's finds the original's object
 * in the object cache, and the first patch costs one build plus the
 * changed files, not two builds.  A tree restored from the build cache is
 * not built.
 */
int run_builds(struct build_ctx *ctx, struct error *err)
{
	struct build_tree *orig = &ctx->tree[TREE_ORIG];
	char *bindir = NULL;
	int ret;

	if (!(ret = run_make_bindir(ctx, &bindir, err)) &&
	    !(ret = run_write_header(ctx, err)) && !orig->cached)
		ret = run_tree(ctx, orig, "the original tree", bindir, err);
	if (!ret)
		ret = run_tree(ctx, &ctx->tree[TREE_PATCHED],
			       "the patched tree", bindir, err);
	free(bindir);
	if (!ret) /* what objects.c does next */
		build_progress(ctx, true, "reading the objects");
	return ret;
}
