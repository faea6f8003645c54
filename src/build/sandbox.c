/*
 * sandbox.c - running the builds inside a pinned root file system
 * (suture build --root DIR) with bubblewrap.
 *
 * A patch is only right if the original rebuilds into the running binary,
 * so the compiler, headers and libraries must be the ones the production
 * build used, months later and after the host was upgraded.  With --root,
 * every compile, link and helper (the compiler's --version, dpkg-query)
 * runs in a mount namespace whose / is DIR (read-only), with a fresh /dev,
 * /proc and /tmp; the host's own /usr is not visible.  Only three host
 * things are added, under /run/suture: the suture binary, its dynamic
 * linker and the directory of its libraries, because the compiler wrapper
 * is suture itself (run.c); the wrapper scripts start it with the host's
 * dynamic linker, so nothing of the host leaks into what the compiler
 * sees.  The scratch directory is bound at its own path, read-write, so
 * that the paths in the build (and the prefix map) are the same inside.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/arch.h"
#include "build/sandbox.h"
#include "util/xalloc.h"

/* Where the host's suture appears inside. */
#define SANDBOX_HOST "/run/suture"

/* Top-level directories of the root that the sandbox makes afresh. */
static const char *const sandbox_fresh[] = {"dev", "proc", "sys", "tmp",
					    "run", ".",	   ".."};

struct sandbox_args {
	char **v;
	size_t n;
};

static void sandbox_push(struct sandbox_args *a, const char *s)
{
	a->v = xrealloc(a->v, (a->n + 2) * sizeof(*a->v));
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

static void sandbox_push3(struct sandbox_args *a, const char *opt,
			  const char *x, const char *y)
{
	sandbox_push(a, opt);
	sandbox_push(a, x);
	sandbox_push(a, y);
}

static bool sandbox_is_fresh(const char *name)
{
	for (size_t i = 0; i < sizeof(sandbox_fresh) / sizeof(*sandbox_fresh);
	     i++)
		if (!strcmp(name, sandbox_fresh[i]))
			return true;
	return false;
}

/* One top-level entry of the root: a symlink as it is (merged /usr),
 * a directory bound read-only. */
static void sandbox_entry(struct sandbox_args *a, const char *root,
			  const char *name)
{
	char *src = xasprintf("%s/%s", root, name);
	char *dst = xasprintf("/%s", name);
	char link[PATH_MAX];
	ssize_t n = readlink(src, link, sizeof(link) - 1);
	struct stat st;

	if (n > 0) {
		link[n] = '\0';
		sandbox_push3(a, "--symlink", link, dst);
	} else if (stat(src, &st) == 0 && S_ISDIR(st.st_mode)) {
		sandbox_push3(a, "--ro-bind", src, dst);
	}
	free(src);
	free(dst);
}

/* The host files the wrapper needs (see the top of the file). */
static void sandbox_host(struct sandbox_args *a, const char *self)
{
	char ldso[PATH_MAX];

	if (!realpath(arch_dynamic_linker, ldso))
		snprintf(ldso, sizeof(ldso), "%s", arch_dynamic_linker);
	sandbox_push3(a, "--ro-bind", self, SANDBOX_HOST "/suture");
	sandbox_push3(a, "--ro-bind", ldso, SANDBOX_HOST "/ld.so");
	sandbox_push3(a, "--ro-bind", arch_host_libdir, SANDBOX_HOST "/lib");
}

int sandbox_argv(const char *root, const char *scratch, const char *cwd,
		 char *const *argv, char ***out, struct error *err)
{
	struct sandbox_args a = {0};
	char self[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (!realpath("/proc/self/exe", self))
		return error_set(err, -errno, "cannot find the suture binary");
	if (!(d = opendir(root)))
		return error_set(err, -errno, "cannot open root %s: %s", root,
				 strerror(errno));
	sandbox_push(&a, "bwrap");
	sandbox_push(&a, "--die-with-parent");
	while ((de = readdir(d)))
		if (!sandbox_is_fresh(de->d_name))
			sandbox_entry(&a, root, de->d_name);
	closedir(d);
	sandbox_push(&a, "--dev");
	sandbox_push(&a, "/dev");
	sandbox_push(&a, "--proc");
	sandbox_push(&a, "/proc");
	sandbox_push(&a, "--tmpfs");
	sandbox_push(&a, "/tmp");
	sandbox_host(&a, self);
	sandbox_push3(&a, "--bind", scratch, scratch);
	sandbox_push(&a, "--chdir");
	sandbox_push(&a, cwd);
	sandbox_push(&a, "--");
	for (size_t i = 0; argv[i]; i++)
		sandbox_push(&a, argv[i]);
	*out = a.v;
	return 0;
}

int sandbox_check(const char *root, struct error *err)
{
	char *sh = xasprintf("%s/bin/sh", root);
	int ok = access(sh, X_OK) == 0;

	free(sh);
	if (root[0] != '/')
		return error_set(err, -EINVAL,
				 "the root %s must be an absolute path", root);
	if (!ok)
		return error_set(err, -ENOENT,
				 "%s is not a root file system (no /bin/sh "
				 "in it); scripts/mkroot makes one",
				 root);
	return 0;
}

int sandbox_wrapper(const char *path, struct error *err)
{
	FILE *f = fopen(path, "wx");

	if (!f)
		return error_set(err, -errno, "cannot create %s: %s", path,
				 strerror(errno));
	/* $0 keeps the compiler's name, which tells suture to act as the
	 * wrapper (main.c). */
	fprintf(f, "#!/bin/sh\nexec " SANDBOX_HOST
		   "/ld.so --library-path " SANDBOX_HOST
		   "/lib --argv0 \"$0\" " SANDBOX_HOST "/suture \"$@\"\n");
	if (fclose(f) || chmod(path, 0755) < 0)
		return error_set(err, -errno, "cannot write %s: %s", path,
				 strerror(errno));
	return 0;
}
