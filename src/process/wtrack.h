/*
 * wtrack.h - which pages of another process were written since a moment
 * suture chose, where the kernel keeps no soft-dirty marks: userfaultfd's
 * asynchronous write protection (UFFD_FEATURE_WP_ASYNC, Linux 6.7), held
 * by suture alone.
 *
 * A userfaultfd works on the memory of the process that made it, so the
 * process makes it: five calls at the end of a batch suture injects
 * (rbatch.h), which make it, send it over a unix datagram socket to
 * suture's own (an abstract name) as SCM_RIGHTS, and close both
 * descriptors again.  Suture takes only a descriptor that the process
 * itself sent (SCM_CREDENTIALS); it registers the process's private
 * mappings for write protection only once it holds the only copy, and the
 * kernel then clears a page's protection on the page's first write,
 * whoever writes it through the process's page tables (the program, the
 * kernel on its behalf, suture through /proc/PID/mem).  Pagemap tells a
 * written page (PAGE_IS_WRITTEN, pagemap bit 57 clear).
 *
 * Whatever happens, the process is left as it was: the calls that make a
 * descriptor are followed by its close even when the send fails
 * (ARCH_BATCH_SOFT), so a suture that dies at any point leaves no
 * descriptor in the program; once the calls ran, the only copy is suture's
 * and the registration ends when suture closes it or dies.  A kernel, a
 * seccomp filter or an LSM that refuses a call just leaves no tracker.
 */
#ifndef SUTURE_PROCESS_WTRACK_H
#define SUTURE_PROCESS_WTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "process/proc.h"
#include "process/rbatch.h"
#include "process/session.h"

#define WTRACK_CALLS 5
#define WTRACK_DATA  256 /* bytes of data the calls take, 8-aligned */
/* Resident anonymous memory, in pages, from which a tracker pays: it adds
 * 0.3-0.5 ms to the command and saves the stop the reading of each page
 * not written since, about 1 µs each (docs/DESIGN.md). */
#define WTRACK_MIN_PAGES 64

/* A range registered: runs of adjacent registered mappings and the gaps
 * between them. */
struct wtrack_run {
	uint64_t lo, hi;
};

struct wtrack {
	pid_t pid;
	int sock;      /* suture's end, or -1 */
	char name[48]; /* its abstract name, without the leading NUL */
	int uffd;      /* the process's userfaultfd, or -1 */
	struct wtrack_run *run;
	size_t nrun;
	char why[200]; /* why no page can be told written: "" if one can */
};

/*
 * wtrack_open - suture's end of the hand-over for process @pid: false
 * (with w->why) if this kernel cannot track writes so (suture asks it once
 * with a userfaultfd of its own) or the process has too little memory for
 * a tracker to pay (WTRACK_MIN_PAGES).  w is wtrack_close'd either way.
 */
bool wtrack_open(struct wtrack *w, pid_t pid);

/*
 * wtrack_plan - the calls @c[0..WTRACK_CALLS) that hand the descriptor to
 * @w, to end a batch of @n calls whose first of these is @c[@first], with
 * @len bytes of data from which these take WTRACK_DATA at offset @off
 * (8-aligned): into @data[0..WTRACK_DATA).  The calls are RBATCH_OPT.
 */
void wtrack_plan(const struct wtrack *w, struct session *s,
		 struct rbatch_call *c, size_t n, size_t first, size_t len,
		 size_t off, unsigned char *data);

/* wtrack_take - after the batch: the descriptor the process sent, if it
 * did; w->why says why not. */
void wtrack_take(struct wtrack *w, const struct rbatch_call *c);

/*
 * wtrack_fetch - the same calls as a batch of their own on the injecting
 * thread of open session @s (for a command that maps nothing before its
 * stop: revert), which stops at its end: a rsyscall_work_fn whose @arg is
 * the struct wtrack.  Negative only if ptrace failed (rbatch_run); a
 * process that made no descriptor is no error (w->why).
 */
int wtrack_fetch(void *arg, struct session *s, struct rsys *rs,
		 struct error *err);

/*
 * wtrack_arm - register every private mapping of @maps (as the process has
 * them now) the program can access, but those @skip marks (@skip[i] for
 * maps->v[i]: memory the caller reads whole anyway, such as thread stacks,
 * which are written all the time), and write-protect their pages: from
 * here on a page written reads so.  A page of memory not armed reads as
 * written.  0, or -1 with w->why (the descriptor closed): a mapping that
 * cannot be registered, among them one the program registered with a
 * userfaultfd of its own.
 */
int wtrack_arm(struct wtrack *w, const struct proc_maps *maps,
	       const bool *skip);

/*
 * wtrack_holds - in a stop, of a tracker armed: whether the ranges armed
 * are still registered with suture's descriptor and no other.  The program
 * may have unmapped a mapping and mapped one alike in its place, then
 * registered that one with a userfaultfd of its own and write-protected
 * pages it wrote: they would read as unwritten.  Registering again fails then
 * (EBUSY); it costs a few microseconds and registers what is new in those
 * ranges too.
 */
bool wtrack_holds(struct wtrack *w);

/* wtrack_close - end the tracking: the kernel unregisters and clears the
 * protection of every page as the descriptor closes. */
void wtrack_close(struct wtrack *w);

#endif
