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
#include "build/pipeline.h"
#include "build/spawn.h"
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

static int run_link(const char *bindir, const char *name, const char *self,
		    struct error *err)
{
	char *path = xasprintf("%s/%s", bindir, name);
	int ret = 0;

	if (symlink(self, path) < 0 && errno != EEXIST)
		ret = error_set(err, -errno, "cannot create %s: %s", path,
				strerror(errno));
	free(path);
	return ret;
}

/* Link every compiler-like name found in the directories of PATH. */
static int run_link_path_names(const char *bindir, const char *self,
			       struct error *err)
{
	char *path = xstrdup(getenv("PATH") ? getenv("PATH") : "");
	char *save = NULL;
	int ret = 0;

	for (char *dir = strtok_r(path, ":", &save); dir && !ret;
	     dir = strtok_r(NULL, ":", &save)) {
		DIR *d = opendir(dir);
		struct dirent *de;

		while (d && !ret && (de = readdir(d)))
			if (run_is_compiler_name(de->d_name))
				ret = run_link(bindir, de->d_name, self, err);
		if (d)
			closedir(d);
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
		if ((ret = run_link(*bindir, wrapped_names[i], self, err)))
			return ret;
	return run_link_path_names(*bindir, self, err);
}

/*
 * The environment of one tree's build: the wrapper first on PATH, pointed
 * at the tree's log.  Both builds get the same SOURCE_DATE_EPOCH (@epoch),
 * so that __DATE__ and __TIME__ expand alike in both and do not count as
 * changes.  NULL-terminated; the caller frees each string and the array.
 */
static char **run_env(const struct build_ctx *ctx, const struct build_tree *t,
		      const char *bindir, time_t epoch)
{
	const char *path = getenv("PATH");
	char **env = xcalloc(7, sizeof(*env));

	env[0] =
	    xasprintf("PATH=%s%s%s", bindir, path ? ":" : "", path ? path : "");
	env[1] = xstrdup("CC=cc");
	env[2] = xasprintf("SUTURE_CCWRAP_LOG=%s", t->cclog_path);
	env[3] = xasprintf("SUTURE_CCWRAP_DIR=%s", bindir);
	env[4] =
	    xasprintf("SUTURE_CCWRAP_PREFIX_MAP=%s=%s", t->root, ctx->src_real);
	env[5] = xasprintf("SOURCE_DATE_EPOCH=%lld", (long long)epoch);
	return env;
}

static void run_free_env(char **env)
{
	for (size_t i = 0; env[i]; i++)
		free(env[i]);
	free(env);
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
 * directory, which is read-only, and each writes its own logs.
 */
int run_builds(struct build_ctx *ctx, struct error *err)
{
	static char *const default_cmd[] = {"make", NULL};
	char *const *cmd =
	    ctx->opts->command ? ctx->opts->command : default_cmd;
	pid_t pids[TREE_COUNT] = {0};
	time_t epoch = time(NULL);
	char *bindir = NULL;
	int ret;

	if ((ret = run_make_bindir(ctx, &bindir, err)))
		goto out_free;
	build_note(ctx, "building both trees: %s ...", cmd[0]);
	for (int i = 0; i < TREE_COUNT && !ret; i++) {
		struct build_tree *t = &ctx->tree[i];
		char **env;

		t->log_path = xasprintf("%s/%s.log", ctx->scratch, t->label);
		t->cclog_path =
		    xasprintf("%s/%s.cclog", ctx->scratch, t->label);
		env = run_env(ctx, t, bindir, epoch);
		ret =
		    spawn_start(cmd, t->root, env, t->log_path, &pids[i], err);
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
