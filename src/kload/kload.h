/*
 * kload.h - the kernel back end of apply and revert: load a livepatch
 * module and wait for the kernel's transition, or disable a patch, wait,
 * and remove its module.  The kernel does the patching (ftrace, the
 * per-task consistency model); suture checks the module first, drives
 * the transition and reports which tasks hold it up.
 */
#ifndef SUTURE_KLOAD_KLOAD_H
#define SUTURE_KLOAD_KLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "kload/klp.h"
#include "kload/kmodfile.h"
#include "util/error.h"

#define KLOAD_DEFAULT_TIMEOUT_MS 60000

/* Called while waiting for a transition whenever the set of tasks still
 * to switch changes; the CLI prints it.  Library code never prints. */
typedef void (*kload_progress_fn)(const char *name,
				  const struct klp_task *tasks, size_t n,
				  void *arg);

struct kload_opts {
	bool replace;	/* the caller expects an atomic replace */
	int timeout_ms; /* how long a transition may take */
	kload_progress_fn progress;
	void *arg;
};

struct kload_result {
	struct kmod_info mod; /* apply: what the file said */
	long elapsed_ms;      /* load (or disable) to transition done */
	size_t max_pending;   /* most tasks seen still to switch */
	size_t replaced;      /* apply --replace: patches it took over */
};

/*
 * kload_apply - load the livepatch module @path and wait until every task
 * runs the new code.  Refuses before loading, naming the cause: no
 * livepatch support, not a livepatch module, built for another kernel
 * release, a module of that name already loaded, or a replace flag that
 * differs from @o->replace (a replace disables every other patch; a
 * stacked patch left on top of patches the caller meant to replace would
 * be wrong).  If the transition has not finished after @o->timeout_ms it
 * is reversed and the module removed, so the kernel is left as it was.
 */
int kload_apply(const char *path, const struct kload_opts *o,
		struct kload_result *res, struct error *err);

/*
 * kload_revert - disable patch @name, wait until every task runs the old
 * code, and remove the module.  A module whose patch is already disabled
 * is only removed.  On timeout the patch is enabled again.
 */
int kload_revert(const char *name, const struct kload_opts *o,
		 struct kload_result *res, struct error *err);

#endif
