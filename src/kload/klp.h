/*
 * klp.h - the kernel's livepatch state as /sys and /proc show it: which
 * livepatch modules are loaded, in which order, whether each patch is
 * enabled, in transition, an atomic replace, and which tasks have not
 * yet switched.  Read-only, except klp_set_enabled.
 */
#ifndef SUTURE_KLOAD_KLP_H
#define SUTURE_KLOAD_KLP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

#define KLP_SYSFS "/sys/kernel/livepatch"

struct klp_entry {
	char name[64];
	bool registered; /* /sys/kernel/livepatch/NAME exists: the patch is
			    enabled or in transition; false for a module
			    whose patch was disabled and is still loaded */
	bool enabled;	 /* the patch's target state */
	bool transition; /* tasks are still switching to it */
	int replace;	 /* atomic replace (the module's own flag): 1 or 0;
			    -1 when the kernel does not show it (sysfs
			    `replace` appeared after 6.1) */
};

struct klp_task {
	pid_t pid; /* thread id */
	char comm[32];
};

/* klp_supported - 0 if the running kernel has livepatch (CONFIG_LIVEPATCH
 * and /sys mounted), else a message saying so. */
int klp_supported(struct error *err);

/*
 * klp_read - the state of patch @name into @e.  A missing sysfs directory
 * is no error: e->registered is then false.
 */
int klp_read(const char *name, struct klp_entry *e, struct error *err);

/*
 * klp_list - every loaded livepatch module (per-module taint K in
 * /proc/modules), oldest first: the kernel applies patches in the order
 * their modules were loaded, the newest on top.  *out is the caller's.
 */
int klp_list(struct klp_entry **out, size_t *n, struct error *err);

/*
 * klp_pending - the tasks (threads, kernel threads included) whose
 * /proc/PID/task/TID/patch_state is not yet @target (1 patched, 0
 * unpatched) during a transition.  *out is the caller's.
 */
int klp_pending(int target, struct klp_task **out, size_t *n,
		struct error *err);

/* klp_set_enabled - write @on to /sys/kernel/livepatch/@name/enabled. */
int klp_set_enabled(const char *name, bool on, struct error *err);

#endif
