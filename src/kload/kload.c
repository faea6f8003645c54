/*
 * kload.c - applying and reverting kernel livepatch modules.
 *
 * The kernel patches; this file decides whether to let it and watches.
 * Everything that can be checked is checked before finit_module(), because
 * the module's init enables the patch at once (and a replace disables all
 * the others).  After that the only state is the kernel's: the patch's
 * sysfs directory and each task's patch_state, polled until the
 * transition ends.  A transition that does not end in time is reversed
 * (the kernel allows writing the opposite value to `enabled` during a
 * transition), so a timeout leaves the kernel as it was, not half done.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kload/kload.h"

/* How often the transition is looked at: tasks switch within a few ms
 * when idle, and the kernel itself retries stuck tasks every second. */
#define KLOAD_POLL_MS 20

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* Whether the transition the caller waits for is over. */
static bool settled(const struct klp_entry *e, bool enabling)
{
	if (enabling)
		return e->registered && e->enabled && !e->transition;
	return !e->registered;
}

/* "pid comm, pid comm, ..." of at most 8 tasks, into @buf. */
static const char *task_list(const struct klp_task *t, size_t n, char *buf,
			     size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && i < 8 && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%d %s",
					 i ? ", " : "", t[i].pid, t[i].comm);
	if (n > 8 && used < len)
		snprintf(buf + used, len - used, " and %zu more", n - 8);
	return buf;
}

/* Tell the caller about the tasks still to switch when their number
 * changes; remember the most seen. */
static void watch_tasks(const char *name, bool enabling,
			const struct kload_opts *o, size_t *last,
			struct kload_result *res, struct klp_task **tasks,
			size_t *n)
{
	struct error ignored = {""};

	free(*tasks);
	klp_pending(enabling, tasks, n, &ignored);
	if (*n > res->max_pending)
		res->max_pending = *n;
	if (*n != *last && o->progress)
		o->progress(name, *tasks, *n, o->arg);
	*last = *n;
}

/*
 * Wait until patch @name is fully enabled (@enabling) or gone.  On
 * timeout, -ETIMEDOUT with a message naming the tasks that held it up.
 */
static int wait_transition(const char *name, bool enabling,
			   const struct kload_opts *o, struct kload_result *res,
			   struct error *err)
{
	long start = now_ms();
	struct klp_task *tasks = NULL;
	size_t n = 0, last = 0;
	struct klp_entry e;
	char who[512];

	for (;;) {
		klp_read(name, &e, err);
		if (settled(&e, enabling))
			break;
		if (enabling && !e.registered) {
			free(tasks);
			return error_set(err, -ECANCELED,
					 "patch '%s' was disabled by someone "
					 "else during its transition",
					 name);
		}
		watch_tasks(name, enabling, o, &last, res, &tasks, &n);
		if (now_ms() - start > o->timeout_ms) {
			error_set(err, -ETIMEDOUT,
				  "the transition of patch '%s' did not end "
				  "within %d s: %zu task%s still ran the %s "
				  "code (%s)",
				  name, o->timeout_ms / 1000, n,
				  n == 1 ? "" : "s", enabling ? "old" : "new",
				  task_list(tasks, n, who, sizeof(who)));
			free(tasks);
			return -ETIMEDOUT;
		}
		sleep_ms(KLOAD_POLL_MS);
	}
	free(tasks);
	res->elapsed_ms = now_ms() - start;
	return 0;
}

/* delete_module(), retried while the kernel still holds the module: it
 * drops its reference from a work item after the patch is freed. */
static int remove_module(const char *name, const struct kload_opts *o,
			 struct error *err)
{
	long start = now_ms();

	while (syscall(SYS_delete_module, name, O_NONBLOCK) != 0) {
		if ((errno != EBUSY && errno != EAGAIN) ||
		    now_ms() - start > o->timeout_ms)
			return error_set(err, -errno,
					 "patch '%s' is disabled but its "
					 "module could not be removed: %s",
					 name, strerror(errno));
		sleep_ms(KLOAD_POLL_MS);
	}
	return 0;
}

static bool module_loaded(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return stat(path, &st) == 0;
}

/* The checks that need no loading; 0 if @m may be loaded. */
static int check_module(const char *path, const struct kmod_info *m,
			const struct kload_opts *o, struct error *err)
{
	char rel[128];
	struct utsname u;

	if (!m->livepatch)
		return error_set(err, -EINVAL,
				 "%s is not a livepatch module (its modinfo "
				 "has no livepatch=Y); load ordinary modules "
				 "with insmod",
				 path);
	uname(&u);
	if (strcmp(kmod_release(m->vermagic, rel, sizeof(rel)), u.release))
		return error_set(err, -EINVAL,
				 "%s was built for kernel %s, this is %s "
				 "(vermagic \"%s\"); build it against this "
				 "kernel's tree",
				 path, rel, u.release, m->vermagic);
	if (module_loaded(m->name))
		return error_set(err, -EEXIST,
				 "a module named '%s' is already loaded; "
				 "`suture revert kernel %s` first, or build "
				 "the patch under another name",
				 m->name, m->name);
	if (m->replace != o->replace)
		return error_set(
		    err, -EINVAL,
		    m->replace ? "%s is an atomic replace: loading it disables "
				 "every other livepatch; say so with --replace"
			       : "%s is no atomic replace (its klp_patch has "
				 "replace = false), so --replace cannot keep "
				 "its promise; build it with --replace",
		    path);
	return 0;
}

/* finit_module(), with the usual refusals explained. */
static int load_module(const char *path, const char *name, struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return error_set(err, -errno, "cannot open %s: %s", path,
				 strerror(errno));
	r = (int)syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	if (r == 0)
		return 0;
	r = -errno;
	return error_set(err, r,
			 "the kernel refused to load %s (module '%s'): %s%s",
			 path, name, strerror(-r),
			 r == -EPERM ? " (root needed, or module loading is "
				       "locked down: kernel.modules_disabled, "
				       "lockdown, signature enforcement)"
				     : "; the kernel log (dmesg) says why");
}

/* Registered patches other than @name; what a replace takes over. */
static size_t count_others(const char *name)
{
	struct error ignored = {""};
	struct klp_entry *all;
	size_t n, others = 0;

	if (klp_list(&all, &n, &ignored) < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		others += all[i].registered && strcmp(all[i].name, name);
	free(all);
	return others;
}

/* Add @what to the message already in @err. */
static void error_append(struct error *err, const char *what)
{
	size_t used = strlen(err->msg);

	snprintf(err->msg + used, sizeof(err->msg) - used, "; %s", what);
}

/* A transition that did not end: turn it back, then remove the module,
 * and say in @err whether that worked. */
static void undo_apply(const char *name, const struct kload_opts *o,
		       struct error *err)
{
	struct kload_result ignored = {0};
	struct error why = {""};
	char msg[1100];

	if (klp_set_enabled(name, false, &why) < 0 ||
	    wait_transition(name, false, o, &ignored, &why) < 0 ||
	    remove_module(name, o, &why) < 0) {
		snprintf(msg, sizeof(msg), "undoing it failed too: %s",
			 why.msg);
		error_append(err, msg);
		return;
	}
	error_append(err, "the transition was reversed and the module "
			  "removed: the kernel runs the old code");
}

int kload_apply(const char *path, const struct kload_opts *o,
		struct kload_result *res, struct error *err)
{
	struct kmod_info *m = &res->mod;
	int r;

	memset(res, 0, sizeof(*res));
	/* the file first: what is wrong with it is worth knowing anywhere */
	if ((r = kmod_inspect(path, m, err)) < 0 ||
	    (r = check_module(path, m, o, err)) < 0 ||
	    (r = klp_supported(err)) < 0)
		return r;
	res->replaced = m->replace ? count_others(m->name) : 0;
	if ((r = load_module(path, m->name, err)) < 0)
		return r;
	if ((r = wait_transition(m->name, true, o, res, err)) == -ETIMEDOUT)
		undo_apply(m->name, o, err);
	return r;
}

/* Whether loaded module @name is a livepatch module (taint K). */
static bool is_livepatch_module(const char *name)
{
	char path[128], taint[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/taint", name);
	if (!(f = fopen(path, "r")))
		return false;
	if (!fgets(taint, sizeof(taint), f))
		taint[0] = 0;
	fclose(f);
	return strchr(taint, 'K') != NULL;
}

int kload_revert(const char *name, const struct kload_opts *o,
		 struct kload_result *res, struct error *err)
{
	struct klp_entry e;
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = klp_supported(err)) < 0)
		return r;
	if (!module_loaded(name))
		return error_set(err, -ENOENT,
				 "no module named '%s' is loaded (suture "
				 "status kernel lists the livepatches)",
				 name);
	if (!is_livepatch_module(name))
		return error_set(err, -EINVAL,
				 "module '%s' is not a livepatch module; "
				 "remove it with rmmod",
				 name);
	klp_read(name, &e, err);
	if (e.registered && e.enabled &&
	    (r = klp_set_enabled(name, false, err)) < 0)
		return r;
	if ((r = wait_transition(name, false, o, res, err)) == -ETIMEDOUT) {
		struct error why = {""};

		error_append(err, klp_set_enabled(name, true, &why) < 0
				      ? "enabling the patch again failed"
				      : "the patch was enabled again");
		return r;
	}
	return r < 0 ? r : remove_module(name, o, err);
}
