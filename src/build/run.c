/*
 * run.c - stage 2: build both scratch copies with the compiler wrapper.
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
		      const char *bindir)
{
	const char *path = ctx->opts->root ? root_path : getenv("PATH");
	char **env = xcalloc(10, sizeof(*env));
	char *map = builddir_prefix_map(ctx, t);

	env[0] =
	    xasprintf("PATH=%s%s%s", bindir, path ? ":" : "", path ? path : "");
	env[1] = xstrdup("CC=cc");
	env[2] = xasprintf("SUTURE_CCWRAP_LOG=%s", t->cclog_path);
	env[3] = xasprintf("SUTURE_CCWRAP_DIR=%s", bindir);
	env[4] =
	    xasprintf("SUTURE_CCWRAP_PREFIX_MAP=%s=%s", t->root, ctx->src_real);
	env[5] = xasprintf("SOURCE_DATE_EPOCH=%s", run_epoch());
	env[6] = xasprintf("SUTURE_CCWRAP_INCLUDE=%s/include", ctx->scratch);
	env[7] =
	    xasprintf("SUTURE_CCWRAP_CACHE=%s", ctx->cache ? ctx->cache : "");
	env[8] = xasprintf("SUTURE_CCWRAP_BUILD_MAP=%s", map ? map : "");
	free(map);
	return env;
}

static void run_free_env(char **env)
{
	for (size_t i = 0; env[i]; i++)
		free(env[i]);
	free(env);
}

int build_spawn(const struct build_ctx *ctx, char *const *argv, const char *cwd,
		char *const *env, const char *log_path, pid_t *pid,
		struct error *err)
{
	char **boxed;
	int ret;

	if (!ctx->opts->root)
		return spawn_start(argv, cwd, env, log_path, pid, err);
	if ((ret = sandbox_argv(ctx->opts->root, ctx->scratch, cwd, argv,
				&boxed, err)))
		return ret;
	ret = spawn_start(boxed, cwd, env, log_path, pid, err);
	sandbox_free(boxed);
	return ret;
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

/* Wait for the build of @t (status from spawn_wait) and explain failure. */
static int run_finish(struct build_ctx *ctx, struct build_tree *t, pid_t pid,
		      const char *cmd, struct error *err)
{
	int ret = spawn_wait(pid, cmd, t->log_path, err);
	char *tail;

	if (ret <= 0)
		return ret;
	tail = spawn_log_tail(t->log_path, 25, 3000);
	build_detail(ctx, "last lines of %s%s:\n%s", t->log_path,
		     ctx->opts->keep ? "" : " (--keep keeps it)", tail);
	free(tail);
	return error_set(err, -EINVAL,
			 "the build of the %s tree failed (%s exited with "
			 "status %d)",
			 t->label, cmd, ret);
}

/*
 * Both trees build at the same time: they share nothing but the wrapper
 * directory, which is read-only, and the build cache, whose entries are
 * written whole by rename; each writes its own logs.  A tree restored from
 * the cache is not built.
 */
int run_builds(struct build_ctx *ctx, struct error *err)
{
	char *const *cmd = build_command(ctx);
	pid_t pids[TREE_COUNT] = {0};
	char *bindir = NULL;
	int ret;

	if ((ret = run_make_bindir(ctx, &bindir, err)) ||
	    (ret = run_write_header(ctx, err)))
		goto out_free;
	build_note(ctx, "building %s: %s ...",
		   ctx->tree[TREE_ORIG].cached ? "the patched tree"
					       : "both trees",
		   cmd[0]);
	for (int i = 0; i < TREE_COUNT && !ret; i++) {
		struct build_tree *t = &ctx->tree[i];
		char **env;

		if (t->cached)
			continue;
		env = run_env(ctx, t, bindir);
		if (!(ret = builddir_configure(ctx, t, bindir, env, err)))
			ret = build_spawn(ctx, cmd, t->root, env, t->log_path,
					  &pids[i], err);
		run_free_env(env);
	}
	/* Wait for every build started, even after a failure. */
	for (int i = 0; i < TREE_COUNT; i++) {
		int r = pids[i] > 0 ? run_finish(ctx, &ctx->tree[i], pids[i],
						 cmd[0], err)
				    : 0;

		ret = ret ? ret : r;
	}
out_free:
	free(bindir);
	return ret;
}
