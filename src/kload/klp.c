/*
 * klp.c - reading the kernel's livepatch state from /sys and /proc.
 *
 * /sys/kernel/livepatch/NAME/{enabled,transition,replace} exist while a
 * patch is registered (enabled, or being disabled).  The order of the
 * patches is not in sysfs on 6.1; the kernel keeps them in the order
 * their modules' init functions enabled them, which is load order, and
 * /proc/modules lists modules newest first.  A livepatch module carries
 * the per-module taint K, which also finds a module whose patch was
 * disabled but which was not removed.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kload/klp.h"
#include "util/xalloc.h"

int klp_supported(struct error *err)
{
	struct stat st;

	if (stat(KLP_SYSFS, &st) == 0)
		return 0;
	return error_set(err, -ENOTSUP,
			 "this kernel has no livepatch support (%s is "
			 "missing: a kernel without CONFIG_LIVEPATCH, or /sys "
			 "not mounted)",
			 KLP_SYSFS);
}

/* The integer in /sys/kernel/livepatch/@name/@attr; -1 if unreadable. */
static int read_attr(const char *name, const char *attr)
{
	char path[256];
	FILE *f;
	int v = -1;

	snprintf(path, sizeof(path), KLP_SYSFS "/%s/%s", name, attr);
	if (!(f = fopen(path, "r")))
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int klp_read(const char *name, struct klp_entry *e, struct error *err)
{
	int enabled = read_attr(name, "enabled");

	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	if (enabled < 0)
		return 0; /* gone (or going): not registered */
	e->registered = true;
	e->enabled = enabled == 1;
	e->transition = read_attr(name, "transition") == 1;
	e->replace = read_attr(name, "replace");
	return 0;
}

/* Whether a /proc/modules line's taint flags "(...)" include K. */
static bool line_has_livepatch_taint(const char *line)
{
	const char *open = strrchr(line, '(');

	return open && strchr(open, 'K') && strchr(open, ')');
}

int klp_list(struct klp_entry **out, size_t *n, struct error *err)
{
	FILE *f = fopen("/proc/modules", "r");
	char line[512], name[64];
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!f)
		return error_set(err, -errno,
				 "cannot read /proc/modules: %s (a kernel "
				 "without loadable modules?)",
				 strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (!line_has_livepatch_taint(line) ||
		    sscanf(line, "%63s", name) != 1)
			continue;
		XGROW(*out, cap, *n);
		klp_read(name, &(*out)[(*n)++], err);
	}
	fclose(f);
	/* newest first in the file; oldest first for the caller */
	for (size_t i = 0; i < *n / 2; i++) {
		struct klp_entry t = (*out)[i];

		(*out)[i] = (*out)[*n - 1 - i];
		(*out)[*n - 1 - i] = t;
	}
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Read /proc/@pid/task/@tid/@what into @buf (first line, no newline). */
static bool read_task_file(const char *pid, const char *tid, const char *what,
			   char *buf, size_t len)
{
	char path[128];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "/proc/%s/task/%s/%s", pid, tid, what);
	if (!(f = fopen(path, "r")))
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return ok;
}

static void pending_in(const char *pid, int target, struct klp_task **out,
		       size_t *n, size_t *cap)
{
	char dir[300], state[16];
	struct dirent *t;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%s/task", pid);
	if (!(d = opendir(dir)))
		return; /* the process ended meanwhile */
	while ((t = readdir(d))) {
		if (!all_digits(t->d_name) ||
		    !read_task_file(pid, t->d_name, "patch_state", state,
				    sizeof(state)) ||
		    atoi(state) != !target)
			continue;
		XGROW(*out, *cap, *n);
		(*out)[*n].pid = atoi(t->d_name);
		if (!read_task_file(pid, t->d_name, "comm", (*out)[*n].comm,
				    sizeof((*out)[*n].comm)))
			strcpy((*out)[*n].comm, "?");
		(*n)++;
	}
	closedir(d);
}

int klp_pending(int target, struct klp_task **out, size_t *n, struct error *err)
{
	DIR *d = opendir("/proc");
	struct dirent *p;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return error_set(err, -errno, "cannot list /proc: %s",
				 strerror(errno));
	while ((p = readdir(d)))
		if (all_digits(p->d_name))
			pending_in(p->d_name, target, out, n, &cap);
	closedir(d);
	return 0;
}

int klp_set_enabled(const char *name, bool on, struct error *err)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), KLP_SYSFS "/%s/enabled", name);
	if (!(f = fopen(path, "w")))
		return error_set(err, -errno, "cannot open %s: %s", path,
				 strerror(errno));
	fputs(on ? "1" : "0", f);
	if (fclose(f) != 0)
		return error_set(err, -errno, "cannot %s patch '%s' (%s): %s",
				 on ? "enable" : "disable", name, path,
				 strerror(errno));
	return 0;
}
