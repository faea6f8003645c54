/*
 * targets.h - choosing processes by what they run: the build-id forms of
 * `suture apply FILE` and `suture revert NAME`, their narrowing options,
 * the warning for a process tree patched in part, and the summary line.
 *
 * A patch names the module it was built for by build-id, so its targets
 * are every process that maps a module with that build-id (executable or
 * library, also a file deleted or replaced on disk since: fleet/scan.h),
 * narrowed by --exe (the program it was started from), --unit (its
 * systemd unit, by cgroup) and --pid.  Processes that cannot be patched
 * (traced by a debugger, another suture's, one not permitted, suture
 * itself) are skipped with a line each, never counted as patched.
 */
#ifndef SUTURE_CLI_TARGETS_H
#define SUTURE_CLI_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What narrows the build-id forms; all NULL: every process. */
struct targets_filter {
	char *exe;   /* --exe PATH, resolved */
	char *unit;  /* --unit NAME, ".service" added if it has no dot */
	pid_t *pids; /* --pid P,P,... */
	size_t npids;
};

/* The options, for getopt_long tables; their codes. */
#define TARGETS_OPTIONS                                                        \
	{"exe", required_argument, NULL, 'x'},                                 \
	    {"unit", required_argument, NULL, 'u'},                            \
	{                                                                      \
		"pid", required_argument, NULL, 'p'                            \
	}

/* targets_option - option @c ('x', 'u', 'p') with @arg into @f: 0, 1 if
 * @c is none of them, -1 after printing why @arg is bad. */
int targets_option(int c, const char *arg, struct targets_filter *f);

/* targets_narrowed - whether an option of @f was given. */
bool targets_narrowed(const struct targets_filter *f);
void targets_filter_free(struct targets_filter *f);

/* The processes chosen, and how many were skipped and why. */
struct targets {
	pid_t *pids;
	size_t n;
	size_t skipped;
	char why[256];	/* "2 traced by another process, 1 suture itself" */
	size_t already; /* of them, those that had the patch already */
};

/*
 * targets_by_id - every process that maps the build-id patch @p was built
 * for and passes @f, into @t; prints a line per skipped process (also one
 * that has @p applied already) and a note for the processes that could
 * not be examined.  Returns -1 after printing why if no process is chosen
 * (exit status 1), 0 otherwise.  @who is the command ("apply") for
 * messages.
 */
struct patch;
int targets_by_id(const struct patch *p, const struct targets_filter *f,
		  const char *who, struct targets *t);

/*
 * targets_by_patch - every process with a live patch named @name that
 * passes @f (the build-id form of revert); as targets_by_id.
 */
int targets_by_patch(const char *name, const struct targets_filter *f,
		     const char *who, struct targets *t);
void targets_free(struct targets *t);

/*
 * targets_warn_tree - for each of the @n processes @pids to be patched,
 * warn about each ancestor that maps build-id @id and is not among them:
 * it forks new processes (a server's workers) running the old code.
 */
void targets_warn_tree(const pid_t *pids, size_t n, const unsigned char *id,
		       size_t len);

/* targets_summary - "@verb N processes, M failed, K skipped (why)". */
void targets_summary(const char *verb, size_t n, size_t failed,
		     const struct targets *t);

#endif
