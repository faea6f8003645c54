/*
 * apply.c - the apply transaction (apply.h).
 *
 * Stages, each a function taking the context:
 *
 *   find_target      check the PID, read its map, find the module whose
 *                    build ID the patch names, read already applied
 *                    patches, find a cave for the system call stub
 *   check_patch      every replaced function is a function of the module
 *                    (funccheck.h), the record fits what readers read
 *   remove_leftovers what an interrupted suture left goes first, in a stop
 *                    of its own; then the attempt starts again
 *   plan             resolve symbols, lay out and place the region, find
 *                    the module's thread-local storage (tls.h), link it
 *   prepare_stop     load the unwinder, list the code no thread may be in
 *   -- take the lock (session.h), read the state again --
 *   stage            map the region with one thread stopped (and run the
 *                    resolvers of IFUNCs the plan could not bind, ifunc.h,
 *                    linking again with their choice), then write it
 *                    (gates included, commit byte clear) while the program
 *                    runs
 *   -- quiesce: stop every thread at a moment when that code is unused --
 *   install          check the entry bytes, write the trampolines, then
 *                    set the commit byte; on any failure undo undoes it
 *                    all, the region included
 *   -- release every thread, and the lock --
 *
 * Ordering is what makes a patch all or nothing, even if suture is killed
 * half-way (the kernel then releases every thread at once).  The region is
 * complete before the first trampoline points at it.  Each trampoline jumps to
 * its function's gate, which sends calls to the old code while the commit byte
 * is clear, so the trampolines change nothing yet, one by one.  The single byte
 * written last switches every function of the patch at the same instant.
 * Injected system calls run from a rescue stub (rsyscall.h), so even the thread
 * that makes them resumes correctly if suture dies.  On return to user mode the
 * kernel serialises the instruction stream on x86, so no thread runs stale
 * decoded instructions.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "apply/apply.h"
#include "apply/bypass.h"
#include "apply/entries.h"
#include "apply/forbid.h"
#include "apply/funccheck.h"
#include "apply/hooks.h"
#include "apply/ifunc.h"
#include "apply/layout.h"
#include "apply/leftover.h"
#include "apply/link.h"
#include "apply/patchcfi.h"
#include "apply/retain.h"
#include "apply/revert.h"
#include "apply/region.h"
#include "apply/replace.h"
#include "apply/shadow.h"
#include "apply/stacking.h"
#include "apply/resolve.h"
#include "apply/state.h"
#include "apply/tls.h"
#include "process/modules.h"
#include "process/proc.h"
#include "process/quiesce.h"
#include "process/rsyscall.h"
#include "process/wtrack.h"
#include "util/fault.h"
#include "util/phase.h"
#include "util/xalloc.h"

/* Tries at placing the region when the chosen range was taken meanwhile. */
#define APPLY_PLACE_TRIES 3

struct apply_ctx {
	pid_t pid;
	const struct patch *p;
	struct proc_maps maps;
	struct rmem mem;
	struct modules mods;
	struct modcache *cache; /* where mods' files are kept, or NULL */
	struct module *target;	/* the patched module, in mods */
	struct state st;	/* patches applied before */
	uint64_t *addrs;	/* resolved symbol addresses */
	uint64_t *resolvers;	/* IFUNC resolvers still to run (ifunc.h) */
	struct layout lay;
	unsigned char *image; /* the region's bytes, lay.size */
	struct record rec;
	struct rsys rs; /* injected system calls */
	struct safety sf;
	struct session s;
	struct session_lock lock; /* held from the state's recheck on */
	uint64_t stage_ns;	  /* how long stage() held its thread */
	struct rsys_left left;	  /* the stub stage() left in the cave */
	struct retain_set old;	  /* the regions a replace switched off */
	struct refscan_pre pre;	  /* the scan for saved contexts and for
				     references to old made before the
				     stop (retain_set_before) */
	struct wtrack wt;	  /* its write tracker, where the kernel
				     keeps no soft-dirty marks */
	/* Undo state while installing. */
	unsigned mapped;      /* parts of the region mapped */
	size_t ntramp;	      /* rec.funcs[0..ntramp) have trampolines */
	unsigned char **code; /* per function: its code as planned for */
	size_t ungated;	      /* functions without a gate */
	bool replace;	      /* apply --replace */
	uint64_t shadow_at;   /* the shadow-data anchor, if the patch uses
				 one (shadow.h) */
	bool shadow_new;      /* it is to be mapped behind the region */
	bool shadow_mapped;   /* and was, by this attempt */
	unsigned hook_ms;     /* how long a hook may run */
	struct replace rp;    /* what it replaces (replace.h) */
};

static int find_target(struct apply_ctx *c, struct error *err)
{
	phase_begin("find target");
	return proc_check_target(c->pid, err)
		   ?: proc_maps_read(c->pid, &c->maps, err)
		   ?: rmem_open(&c->mem, c->pid, true, err)
		   ?: modules_load_cached(c->pid, &c->maps, c->cache, &c->mods,
					  err)
		   ?: modules_find_build_id(&c->mods, c->p->build_id,
					    c->p->build_id_len, &c->target, err)
		   ?: state_read(&c->maps, &c->mem, &c->st, err)
		   ?: rsyscall_prepare(&c->rs, &c->mem, &c->mods, &c->maps,
				       err);
}

/* Fill the record's identity and functions (addresses come with place). */
static void start_record(struct apply_ctx *c)
{
	const struct patch *p = c->p;

	c->rec.seq = state_next_seq(&c->st);
	c->rec.pending_hooks = -1;
	strcpy(c->rec.name, p->name);
	strcpy(c->rec.id, p->id);
	strcpy(c->rec.on, p->on);
	strcpy(c->rec.on_id, p->on_id);
	memcpy(c->rec.build_id, p->build_id, p->build_id_len);
	c->rec.build_id_len = p->build_id_len;
	c->rec.target_file =
	    xstrdup(p->target_file ? p->target_file : c->target->path);
	c->rec.funcs = xcalloc(p->nfuncs, sizeof(*c->rec.funcs));
	c->rec.nfuncs = p->nfuncs;
	for (size_t i = 0; i < p->nfuncs; i++) {
		c->rec.funcs[i].name = xstrdup(p->funcs[i].name);
		c->rec.funcs[i].entry = c->target->bias + p->funcs[i].old_addr;
		c->rec.funcs[i].flags = p->funcs[i].flags;
		c->rec.funcs[i].new_size =
		    p->symbols[p->funcs[i].new_symbol].size;
		c->rec.funcs[i].old_size =
		    (uint32_t)patch_func_span(&p->funcs[i]);
	}
}

static void build_gates(struct apply_ctx *c);

/*
 * Before the process is touched (before leftovers are removed, too): the
 * patch's functions must be functions of the module (funccheck.h), and
 * the record it needs one that status and revert will read.  The record is
 * started here, complete but for addresses the plan adds.
 */
static int check_patch(struct apply_ctx *c, struct error *err)
{
	int r;

	phase_begin("check the patch against the module");
	if ((r = funccheck(c->p, c->target, err)))
		return r;
	start_record(c);
	if (c->replace)
		replace_plan(&c->rp, &c->st, &c->rec);
	if ((r = hooks_collect(c->p, &c->rec, err)))
		return r;
	return record_fits(&c->rec, err);
}

/* Link the image and gates for the base chosen. */
static int link_all(struct apply_ctx *c, struct error *err)
{
	int r;

	if (c->shadow_new)
		c->shadow_at = c->lay.base + c->lay.size;
	shadow_resolve(c->p, c->addrs, c->shadow_at);
	c->rec.shadow = c->shadow_at;
	if ((r = link_image(c->p, &c->lay, c->addrs, c->image, err)))
		return r;
	c->rec.base = c->lay.base;
	c->rec.size = c->lay.size;
	memcpy(c->rec.parts, c->lay.parts, sizeof(c->rec.parts));
	c->rec.unwind = c->lay.unwind;
	for (size_t i = 0; i < c->p->nfuncs; i++) {
		uint32_t sym = c->p->funcs[i].new_symbol;

		c->rec.funcs[i].new_addr =
		    link_symbol_addr(c->p, &c->lay, c->addrs, sym);
		/* its far-reference thunks are part of it (layout.h) */
		c->rec.funcs[i].new_size = layout_code_size(c->p, &c->lay, sym);
	}
	build_gates(c);
	if ((r = hooks_place(c->p, &c->lay, c->addrs, &c->rec, c->image,
			     c->rec.nfuncs + 2 * c->rec.nswitches, err)))
		return r;
	return replace_gates(&c->rp, &c->rec, c->image, c->lay.base,
			     c->lay.gates_off, c->rec.nfuncs,
			     c->lay.base + record_live_offset(), err);
}

/* Choose a base in the current map, link the image and gates for it. */
static int place_and_link(struct apply_ctx *c, struct error *err)
{
	int r;

	if ((r = layout_place(&c->lay, &c->maps, c->target->lo, c->target->hi,
			      c->pid, err)))
		return r;
	return link_all(c, err);
}

/*
 * The padding a short function's trampoline spills into (build/padroom.h)
 * must be padding in the process too: the build checked the file, but
 * another tool may have put code there.  Where a live patch already
 * replaced the function, its trampoline covers the first bytes.
 */
/*
 * Read each replaced function as it is, before stopping the process (the
 * gates are made then, as decoding is slow): the bytes its trampoline will
 * overwrite, and all of its code for the gate, which moves the entry
 * instructions and must know that nothing jumps between them.
 * entries_unchanged() checks, once the process is stopped, that this is
 * still what the process has.
 */
static int read_entries(struct apply_ctx *c, struct error *err)
{
	c->code = xcalloc(c->rec.nfuncs, sizeof(*c->code));
	for (size_t i = 0; i < c->rec.nfuncs; i++) {
		struct record_func *f = &c->rec.funcs[i];
		size_t size = patch_func_span(&c->p->funcs[i]);
		int r;

		if (f->flags & PFUNC_PART)
			continue;
		c->code[i] = xmalloc(size);
		if ((r = rmem_read(&c->mem, f->entry, c->code[i], size, err)) ||
		    (r = entries_padding(&c->p->funcs[i], f->entry, c->code[i],
					 &c->st, c->pid, err)))
			return r;
		f->saved_len = arch_trampoline_len();
		memcpy(f->saved, c->code[i], f->saved_len);
	}
	return 0;
}

static int plan(struct apply_ctx *c, struct error *err)
{
	int r;

	phase_begin("resolve and relocate");
	c->addrs = xcalloc(c->p->nsymbols, sizeof(*c->addrs));
	c->resolvers = xcalloc(c->p->nsymbols, sizeof(*c->resolvers));
	if ((r = resolve_symbols(c->p, c->target, &c->mods, &c->mem, c->addrs,
				 c->resolvers, err)))
		return r;
	if ((r = layout_plan(c->p, record_size(&c->rec),
			     c->rec.nfuncs + 2 * c->rec.nswitches +
				 hooks_gates(&c->rec),
			     hooks_data(&c->rec), &c->lay, err)) ||
	    (r = tls_probe(&c->lay.tls, &c->mods, c->target, &c->mem, err)))
		return r;
	if (shadow_wanted(c->p)) {
		c->shadow_at = shadow_find(&c->maps);
		c->shadow_new = !c->shadow_at;
		c->lay.extra =
		    c->shadow_new ? (uint64_t)sysconf(_SC_PAGESIZE) : 0;
	}
	c->image = xmalloc(c->lay.size);
	if ((r = entries_executable(&c->maps, &c->rec, c->pid, err)) ||
	    (r = read_entries(c, err)) ||
	    (r = replace_read(&c->rp, &c->rec, &c->mem, err)))
		return r;
	return place_and_link(c, err);
}

static int prepare_stop(struct apply_ctx *c, struct error *err)
{
	int r;

	phase_begin("prepare unwinder");
	if ((r = patchcfi_safety_prepare(&c->sf, c->pid, &c->maps, &c->mem,
					 &c->mods, err)))
		return r;
	forbid_old_code(&c->sf, &c->rec, &c->st);
	rsyscall_forbid(&c->rs, &c->sf);
	return 0;
}

/*
 * Give every function a gate in the region, testing the commit byte.  A
 * function whose entry instructions cannot be moved (or that branches
 * back into them) gets none: its trampoline jumps straight to the new
 * code, and only its switch is not protected against suture dying.  The
 * gate's way to the old code starts with the saved bytes: the current
 * entry, or the original one when a replace takes over the function.
 */
static void build_gates(struct apply_ctx *c)
{
	uint64_t flag = c->lay.base + record_live_offset();

	c->ungated = 0;
	for (size_t i = 0; i < c->rec.nfuncs; i++) {
		struct record_func *f = &c->rec.funcs[i];
		uint64_t off = c->lay.gates_off + i * ARCH_GATE_MAX;
		size_t len, size = patch_func_span(&c->p->funcs[i]);
		struct error why = {""};
		unsigned char *code;

		if (f->flags & PFUNC_PART)
			continue;
		code = xmalloc(size);
		memcpy(code, c->code[i], size);
		memcpy(code, f->saved, f->saved_len);
		f->gate = c->lay.base + off;
		if (!arch_gate_write(c->image + off, &len, f->gate, flag,
				     f->new_addr, code, size, f->entry, &why)) {
			f->gate_size = len;
		} else {
			f->gate = 0;
			c->ungated++;
		}
		free(code);
	}
}

/*
 * Map the region; if another mapping took the chosen range since the map
 * was read, read it again, place and link anew, and retry.
 */
static int map_region(struct apply_ctx *c, struct session *s, struct rsys *rs,
		      struct error *err)
{
	int r = -EEXIST;

	for (int i = 0; i < APPLY_PLACE_TRIES && r == -EEXIST; i++) {
		if (i) {
			proc_maps_free(&c->maps);
			if ((r = proc_maps_read(c->pid, &c->maps, err)) ||
			    (r = place_and_link(c, err)))
				return r;
		}
		r = region_map(s, rs, c->p->name, c->lay.base, c->lay.parts,
			       !c->shadow_new &&
				   !ifunc_pending(c->p, c->resolvers),
			       &c->wt, &c->mapped, err);
	}
	if (r == -EEXIST)
		return error_set(err, r,
				 "the memory chosen for the patch in process "
				 "%d was taken each time",
				 c->pid);
	return r;
}

/* The shadow-data anchor, if this patch brings the first one; -EAGAIN (a
 * new attempt, a new plan) if its page was taken since the map was read. */
static int map_shadow(struct apply_ctx *c, struct session *s, struct rsys *rs,
		      struct error *err)
{
	int r;

	if (!c->shadow_new)
		return 0;
	if ((r = shadow_map(s, rs, c->shadow_at, err)) == -EEXIST)
		return error_set(err, -EAGAIN,
				 "the page chosen for shadow data in process "
				 "%d was taken",
				 c->pid);
	c->shadow_mapped = !r;
	fault_point("shadow anchor mapped");
	return r;
}

/* Unmap what this attempt mapped (in the stop of @s). */
static void unmap_staged(struct apply_ctx *c, struct session *s,
			 struct rsys *rs)
{
	region_unmap_parts(s, rs, c->lay.base, c->lay.parts, c->mapped, NULL);
	c->mapped = 0;
	if (c->shadow_mapped)
		shadow_unmap(s, rs, c->shadow_at, NULL);
	c->shadow_mapped = false;
}

/* Run the IFUNC resolvers the plan left (ifunc.h) and link again with
 * their choice: the image is written only after this. */
static int resolve_ifuncs(struct apply_ctx *c, struct session *s,
			  struct rsys *rs, struct error *err)
{
	int r;

	if (!ifunc_pending(c->p, c->resolvers))
		return 0;
	phase_begin("IFUNC resolvers (one thread stopped)");
	if ((r = ifunc_resolve(s, rs, c->p, c->resolvers, &c->maps, c->addrs,
			       err)))
		return r;
	return link_all(c, err);
}

/* Map the region and the shadow-data anchor, and settle the IFUNCs (a
 * rsyscall_work_fn). */
static int map_all(void *arg, struct session *s, struct rsys *rs,
		   struct error *err)
{
	struct apply_ctx *c = arg;
	int r;

	if (!(r = map_region(c, s, rs, err)) &&
	    ((r = map_shadow(c, s, rs, err)) ||
	     (r = resolve_ifuncs(c, s, rs, err))))
		unmap_staged(c, s, rs);
	return r;
}

static int unmap_all(void *arg, struct session *s, struct rsys *rs,
		     struct error *err)
{
	unmap_staged(arg, s, rs);
	return 0;
}

/*
 * Map the region and write it while the program runs.  Only the lock's
 * thread is stopped, to make the mapping calls: one asleep in a system
 * call if the process has such a thread, so that no running code notices.
 * Nothing refers to the region until the trampolines are written in the
 * stop of every thread that follows, and its commit byte is clear: if
 * suture dies after this, it is a leftover the next command removes.
 */
static int stage(struct apply_ctx *c, struct error *err)
{
	struct timespec now;
	int r;

	phase_begin("mapping (one thread stopped)");
	/* The batch that maps the region hands the process's userfaultfd
	 * over too, for the scan before the stop, where it needs one. */
	prescan_tracker(&c->wt, c->pid);
	if ((r = rsyscall_on_thread_left(c->pid, &c->lock, &c->mem, &c->mods,
					 &c->maps, map_all, c, &c->left,
					 &c->stage_ns, err)))
		return r;
	/* The stop of every thread puts the cave's bytes back, once none is
	 * in it (prepare_stop forbade it); until then a stop of the lock's
	 * thread in the stub's restore finishes it. */
	c->rs.stale |= c->left.tid && c->left.cave == c->rs.cave;
	if (c->left.tid)
		c->lock.detour = c->left.detour;
	phase_begin("write region");
	clock_gettime(CLOCK_REALTIME, &now);
	c->rec.applied_ns =
	    (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	/* The record goes in last: it holds the saved bytes and the base. */
	record_encode(&c->rec, c->image);
	if ((r = rmem_write(&c->mem, c->lay.base, c->image, c->lay.size, err)))
		return r;
	fault_point("region written");
	return 0;
}

/*
 * The scan for saved contexts, while the program runs (retain.h), and in
 * the same one for references to the regions a replace will switch off,
 * which the stop checks after the commit: both scans in the stop take it
 * for the pages not written since.  The canary is the first byte of the
 * region's code (record_canary): the program cannot write it and, unlike
 * the commit byte, suture does not write it in the stop before the second
 * scan.
 */
static void prescan(struct apply_ctx *c)
{
	phase_begin("look for saved contexts before the stop");
	for (size_t i = 0; c->rec.nswitches && i < c->rp.nold; i++)
		retain_set_add(&c->old, &c->rp.old[i], true);
	c->pre.wt = &c->wt;
	retain_set_before(&c->old, &c->rec, c->pid, &c->mem,
			  record_canary(&c->rec), &c->pre);
	c->lock.side = prescan_side(&c->pre);
}

/* After a failed stop: unmap the staged region in a stop of the lock's
 * thread.  If that fails, it is a leftover like any other. */
static void unstage(struct apply_ctx *c)
{
	if (c->mapped || c->shadow_mapped)
		rsyscall_on_thread_left(c->pid, &c->lock, &c->mem, &c->mods,
					&c->maps, unmap_all, c, &c->left, NULL,
					NULL);
}

/* Write the trampolines, counting them for undo. */
static int write_trampolines(struct apply_ctx *c, struct error *err)
{
	unsigned char jmp[ARCH_TRAMPOLINE_MAX];
	int r;

	for (c->ntramp = 0; c->ntramp < c->rec.nfuncs; c->ntramp++) {
		const struct record_func *f = &c->rec.funcs[c->ntramp];

		if ((f->flags & PFUNC_PART) ||
		    replace_covers(&c->rp, c->ntramp))
			continue;
		if (arch_trampoline_write(jmp, f->entry, record_func_jump(f)) <
		    0)
			return error_set(err, -ERANGE,
					 "function %s at %#" PRIx64
					 " cannot jump to %#" PRIx64,
					 f->name, f->entry,
					 record_func_jump(f));
		if ((r = rmem_write(&c->mem, f->entry, jmp,
				    arch_trampoline_len(), err)))
			return r;
		fault_point("trampoline written");
	}
	return 0;
}

/* The commit: one byte, and the whole patch is live. */
static int commit(struct apply_ctx *c, struct error *err)
{
	const unsigned char live = 1;
	int r;

	if ((r = rmem_write(&c->mem, c->lay.base + record_live_offset(), &live,
			    1, err)))
		return r;
	c->rec.live = true;
	fault_point("patch committed");
	return 0;
}

/*
 * After the commit of a replace: the program runs the new code already, so
 * a failure here is no failure of the apply; what is left is a leftover
 * the next suture command removes.
 */
static void finish_replace(struct apply_ctx *c, struct apply_result *res)
{
	struct error why = {""};

	if (!c->rec.nswitches)
		return;
	phase_begin("look for references to the replaced patches (all "
		    "threads stopped)");
	if (leftover_finish_replace(&c->s, &c->rs, &c->mem, &c->rec, &c->old,
				    &why))
		snprintf(res->unfinished, sizeof(res->unfinished), "%s",
			 why.msg);
}

/* After the stop: the replaced regions only threads referred to are
 * checked again, and unmapped once free (retain.h). */
static void free_replaced(struct apply_ctx *c, struct apply_result *res)
{
	struct error why = {""};

	if (!c->old.n || res->unfinished[0])
		return;
	if (retain_set_finish(&c->old, c->pid, &c->lock, &c->mem, &c->mods,
			      &c->maps, NULL, NULL, NULL, &why))
		snprintf(res->unfinished, sizeof(res->unfinished), "%s",
			 why.msg);
	res->released = c->old.released;
	res->retained = c->old.retained;
}

static int install(struct apply_ctx *c, struct apply_result *res,
		   struct error *err)
{
	int r;

	phase_begin("check entries");
	if ((r = state_hooks_settled(&c->mem, &c->st, err)) ||
	    (r = entries_unchanged(&c->mem, &c->rec, c->p, c->code, err)) ||
	    (r = replace_unchanged(&c->rp, &c->rec, &c->mem, err)))
		return r;
	/* A context saved in memory (a coroutine's) inside the bytes the
	 * trampolines overwrite would resume in the middle of a jump. */
	phase_begin("look for saved contexts (all threads stopped)");
	r = retain_entries(&c->s, &c->mem, &c->rec, &c->old, err);
	prescan_describe(&c->pre, res->scan, sizeof(res->scan));
	if (r)
		return r;
	res->ungated = c->ungated;
	if ((r = hooks_run(&c->s, &c->rs, &c->rec, HOOK_PRE_APPLY, c->hook_ms,
			   err)))
		return r;
	phase_begin("trampolines and commit");
	if ((r = write_trampolines(c, err)) ||
	    (r = replace_write(&c->rp, &c->rec, &c->mem, err)) ||
	    (r = commit(c, err)) ||
	    (r = hooks_run(&c->s, &c->rs, &c->rec, HOOK_POST_APPLY, c->hook_ms,
			   err)))
		return r;
	finish_replace(c, res);
	/* Live now: a failure leaves calls on the gates, slower but right. */
	bypass_gates(&c->mem, &c->rec, NULL);
	return 0;
}

/* Undo install: not to be finished by the next suture (hooks.h), commit
 * byte clear, original entry bytes back, region unmapped. */
static void undo(struct apply_ctx *c)
{
	const unsigned char off = 0;

	hooks_forget(&c->mem, &c->rec, HOOK_PRE_APPLY);
	if (c->rec.live)
		rmem_write(&c->mem, c->lay.base + record_live_offset(), &off, 1,
			   NULL);
	replace_undo(&c->rp, &c->rec, &c->mem);
	for (size_t i = 0; i < c->ntramp; i++) {
		const struct record_func *f = &c->rec.funcs[i];

		if (!(f->flags & PFUNC_PART) && !replace_covers(&c->rp, i))
			rmem_write(&c->mem, f->entry, f->saved, f->saved_len,
				   NULL);
	}
	unmap_staged(c, &c->s, &c->rs);
}

static void ctx_free(struct apply_ctx *c)
{
	retain_set_free(&c->old);
	prescan_free(&c->pre);
	wtrack_close(&c->wt);
	rsyscall_drop(&c->rs);
	for (size_t i = 0; c->code && i < c->rec.nfuncs; i++)
		free(c->code[i]);
	free(c->code);
	safety_free(&c->sf);
	replace_free(&c->rp);
	record_free(&c->rec);
	free(c->image);
	layout_free(&c->lay);
	free(c->addrs);
	free(c->resolvers);
	state_free(&c->st);
	modules_free(&c->mods);
	rmem_close(&c->mem);
	proc_maps_free(&c->maps);
}

/* Hand the records of the patches a replace replaced to the caller. */
static void take_replaced(struct apply_ctx *c, struct apply_result *res)
{
	for (size_t k = 0; k < c->rp.nold; k++)
		apply_result_take(res, &c->st, c->rp.old[k].seq);
}

/* The arguments of one apply attempt, for quiesce_retry. */
struct apply_try {
	pid_t pid;
	const struct patch *p;
	const struct apply_opts *o;
	struct apply_result *res;
	size_t cleaned; /* leftovers removed before planning */
};

/*
 * Leftovers of an interrupted suture go first, in a stop of their own, and
 * the plan is made again on the clean process: a leftover's trampoline in
 * an entry must not become this patch's "original" bytes, nor its gate
 * lead into a region about to go.  A stub it left in the cave goes too
 * (rsyscall.h): the mapping is done with one thread stopped, which needs
 * a cave no other thread can be running.  QUIESCE_AGAIN makes quiesce_retry
 * plan again at once, whatever the time: removing them was work, not
 * waiting (with -EAGAIN, leftovers that took the whole timeout failed the
 * apply, and with no message).
 */
static int remove_leftovers(struct apply_ctx *c, struct apply_try *t,
			    struct error *err)
{
	size_t n;
	int r;

	if (!leftover_count(&c->st) && !c->rs.stale)
		return 0;
	if ((r = leftovers_remove(t->pid, t->o, &n, err)))
		return r;
	t->cleaned += n;
	error_set(err, -EAGAIN,
		  "what interrupted sutures left in process %d was removed, "
		  "and more was found each time",
		  t->pid);
	return QUIESCE_AGAIN;
}

/* Take the lock on the process (session.h); the phase lasts until the
 * state has been read again under it. */
static int lock(struct apply_ctx *c, struct error *err)
{
	phase_begin("lock and recheck");
	return session_lock(&c->lock, c->pid, proc_quiet_thread(c->pid), err);
}

/*
 * One attempt.  The state read while planning is read again once the lock
 * is held: if another suture changed it in between, the plan is stale and
 * the attempt ends with -EAGAIN, changing nothing.
 */
static int apply_once(void *arg, struct error *err)
{
	struct apply_try *t = arg;
	struct apply_ctx c = {.pid = t->pid,
			      .p = t->p,
			      .mem = {.fd = -1},
			      .pre = {.rm = {.pagemap = -1}},
			      .wt = {.sock = -1, .uffd = -1},
			      .replace = t->o->replace,
			      .cache = t->o->cache,
			      .hook_ms = t->o->hook_timeout_ms};
	struct apply_result *res = t->res;
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = find_target(&c, err)) || (r = check_patch(&c, err)) ||
	    (r = remove_leftovers(&c, t, err)) ||
	    (r = stacking_check(c.p, &c.st, c.pid, c.replace, err)) ||
	    (r = plan(&c, err)) || (r = prepare_stop(&c, err)) ||
	    (r = lock(&c, err)))
		goto out_free;
	/* Locked: the state read before stays true from here on. */
	if ((r = state_recheck(t->pid, &c.mem, &c.st, err)) ||
	    (r = stage(&c, err)) || (prescan(&c), 0) ||
	    (r = quiesce(&c.s, t->pid, &c.lock, &c.sf, t->o->timeout_ms,
			 &res->attempts, err))) {
		unstage(&c);
		goto out_unlock;
	}
	if ((r = install(&c, res, err)))
		undo(&c);
	/* Nothing needs the lock after the stop but the replaced regions
	 * left for after it (free_replaced, retain.h): if there are none, its
	 * thread goes with the others; else their stop ends the lock. */
	if (!c.old.n || r || res->unfinished[0] || retain_set_settled(&c.old))
		session_unlock_on_close(&c.s, &c.lock);
	apply_release(&c.s, &c.rs, res, err);
	if (!r) {
		free_replaced(&c, res);
		res->cleaned = t->cleaned;
		res->aside_ns = c.stage_ns;
		stacking_shadowed(c.p, &c.st, &c.rec, c.replace, res->shadowed,
				  sizeof(res->shadowed));
		take_replaced(&c, res);
		res->rec = c.rec;
		memset(&c.rec, 0, sizeof(c.rec));
	}
out_unlock:
	session_unlock(&c.lock);
out_free:
	ctx_free(&c);
	return r;
}

int apply_patch(pid_t pid, const struct patch *p, const struct apply_opts *o,
		struct apply_result *res, struct error *err)
{
	struct apply_try t = {pid, p, o, res, 0};

	return quiesce_retry(pid, apply_once, &t, o->timeout_ms, err);
}
