/*
 * safety.h - whether code is in use: the check that makes a patch switch
 * atomic from every thread's point of view.
 *
 * A function may be replaced (or a patch removed) only if no thread is
 * executing it and none will return into it: otherwise the thread would run
 * the old code against the new data, or a trampoline would land in the
 * middle of an instruction it is executing.  With the process stopped, every
 * thread's stack is unwound with libdw using the modules' call-frame
 * information, and every frame's code address is checked against the
 * forbidden ranges.  Patch code is unwound with the call-frame information
 * its patch brought (unwind.h).  Where unwinding cannot be trusted (code
 * without CFI, such as a gate or a patch made before patches carried CFI,
 * or a corrupt frame) the thread's whole live stack is scanned instead for
 * any word that points into a forbidden range: a stale value may cause a
 * false alarm (and a retry), never a missed frame.
 */
#ifndef SUTURE_PROCESS_SAFETY_H
#define SUTURE_PROCESS_SAFETY_H

#include <elfutils/libdwfl.h>
#include <stdint.h>

#include "process/modules.h"
#include "process/proc.h"
#include "process/rmem.h"
#include "process/session.h"
#include "process/unwind.h"

#define SAFETY_CACHE_SIZE 8192
/* The suture threads that may run the quick check at once (sidecheck.h). */
#define SAFETY_LANES 2

/* Code no thread may be in: [lo, hi), described as @what ("function f"). */
struct safety_range {
	uint64_t lo, hi;
	char *what;
};

struct safety {
	pid_t pid;
	Dwfl *dwfl;
	struct safety_range *r;
	size_t n, cap;
	const struct proc_maps *maps; /* for finding stacks; borrowed */
	const struct rmem *mem;	      /* borrowed */
	uint64_t start_stack; /* the main thread's first frame is below (0:
				 not known) */
	struct session *s;	      /* during safety_check only */
	size_t iter;		      /* next_thread's position */
	struct unwind_image *img;     /* one per region with CFI; libdwfl
					 reads them until dwfl_end */
	size_t nimg, imgcap;
	const struct modules *mods; /* their files, given to libdwfl;
				       borrowed */
	struct unwind_image *file;  /* one per module of mods found
				       among libdwfl's: its bytes are
				       the module's, borrowed */
	size_t nfile;
	struct safety_text { /* a module's code */
		uint64_t lo, hi;
		const unsigned char *bytes; /* its file's, at lo */
	} * text;
	size_t ntext, textcap;
	uint64_t *stack[SAFETY_LANES]; /* a thread's stack, for the quick
					  check, one per suture thread */
	uint64_t span_lo, span_hi;     /* every range is in [span_lo, span_hi):
					  a word outside is in none */
	/* Stack memory read ahead for the unwinder: one block per read
	 * instead of one system call per word.  Valid for one thread's walk
	 * only (the process runs between checks). */
	uint64_t cache_lo, cache_len;
	unsigned char cache[SAFETY_CACHE_SIZE];
};

/*
 * safety_prepare - report @pid's modules to libdw and load their CFI now,
 * before the process is stopped, so that the check itself is quick.  @maps
 * and @mem must outlive @sf.  Without a usable unwinder every thread's
 * stack is scanned instead; that is slower, not less safe.  @mods (whose
 * files must outlive @sf) give the code the quick check looks at for
 * signal trampolines, and libdw the files it unwinds with: the very files
 * mapped (modules.h), not whatever the path names now, and not opened and
 * mapped a second time.  @cfi are the regions of code no module describes
 * (patch regions) that carry call-frame information, read through @mem
 * now: the array may go once this returns.
 */
int safety_prepare(struct safety *sf, pid_t pid, const struct proc_maps *maps,
		   const struct rmem *mem, const struct modules *mods,
		   const struct unwind_region *cfi, size_t ncfi,
		   struct error *err);

/* safety_add - forbid [@lo, @hi), described as @what (copied). */
void safety_add(struct safety *sf, uint64_t lo, uint64_t hi, const char *what);

/*
 * safety_check - check thread @t of session @s, just stopped (a
 * session_check_fn, with the struct safety as @arg): 0 if it is in no
 * forbidden range; -EBUSY with "WHAT is in use by thread TID (COMM)"
 * otherwise.
 */
int safety_check(void *arg, struct session *s, struct session_thread *t,
		 struct error *err);

/*
 * safety_quick - the quick check of safety_check alone (a
 * session_quick_fn, with the struct safety as @arg): true if @t's stack
 * shows it in no forbidden range, false if it needs safety_check.  It
 * reads only, into lane @lane's buffer: the tracer (lane 0) and a side
 * thread (lane 1) may run it at once while safety_check runs on neither.
 */
bool safety_quick(void *arg, const struct session_thread *t, int lane);

/* safety_find - the forbidden range containing @addr, or NULL. */
const struct safety_range *safety_find(const struct safety *sf, uint64_t addr);

void safety_free(struct safety *sf);

#endif
