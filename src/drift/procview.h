/*
 * procview.h - the code a process runs for each function of one of its
 * modules, read through /proc/PID/mem without stopping it.
 *
 * A function runs the module's own bytes unless a live patch's record
 * (state.h) replaces it: then it runs the patch's version in the patch
 * region.  Which one is decided by the records, not by decoding the jump at
 * the entry; the entry is only checked against what the record says.
 */
#ifndef SUTURE_DRIFT_PROCVIEW_H
#define SUTURE_DRIFT_PROCVIEW_H

#include "apply/state.h"
#include "build/target.h"
#include "process/modules.h"
#include "review/listing.h"

struct procview {
	pid_t pid;
	struct rmem mem;
	struct state st;
	struct proc_maps maps;
	struct modules mods;
	struct module *mod;	   /* the module compared */
	struct target *file;	   /* its ELF file, the very one mapped */
	uint64_t *slots;	   /* the values of its GOT slots (file->slots)
				      when the state was read */
	const struct target *hint; /* the binary compared with: of a
				      library function's aliases, the one
				      it calls names it (pname.c) */
};

/*
 * procview_open - read the patches, the map and the modules of @pid and
 * pick the module to compare: the one whose build-id is @id (@id_len
 * bytes), else the one whose file name is @name's, else the executable
 * (@id and @name may be NULL).  Fails, saying why, for a missing PID or a
 * process whose memory suture may not read.  Release with procview_close.
 */
int procview_open(pid_t pid, const unsigned char *id, size_t id_len,
		  const char *name, struct procview *pv, struct error *err);
void procview_close(struct procview *pv);

/* procview_reread - read the state again (after a reading that raced with
 * an apply or revert). */
int procview_reread(struct procview *pv, struct error *err);

/* What runs for one function of the module. */
struct procview_code {
	uint64_t addr, size;	      /* run-time address and bytes */
	unsigned char *bytes;	      /* as read (owned) */
	const struct record *patch;   /* the live patch whose code runs */
	const struct record *pending; /* a patch whose commit byte is clear
					 and whose gate the entry jumps to:
					 the original code runs through it */
	bool entry_odd; /* the entry does not jump where the record says */
};

/* procview_code - what the process runs for the module's function @y. */
int procview_code(const struct procview *pv, const struct target_sym *y,
		  struct procview_code *c, struct error *err);
void procview_code_free(struct procview_code *c);

/* procview_code_same - whether reading @y again gives @c: a second
 * reading, to notice an apply or revert that ran meanwhile. */
bool procview_code_same(const struct procview *pv, const struct target_sym *y,
			const struct procview_code *c);

/* procview_listing - @c as a listing, addresses named as in the module's
 * file, the patch regions and the module's imports. */
int procview_listing(const struct procview *pv, const struct procview_code *c,
		     struct listing *l);

#endif
