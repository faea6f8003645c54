/*
 * tls.c - where the patched module's thread-local storage is in the
 * process (tls.h): its struct link_map found through the dynamic linker's
 * r_debug list, its module id and static offset read at the offsets glibc
 * publishes for libthread_db, and every thread's block checked through
 * libthread_db itself.
 */
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <link.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <thread_db.h>

#include "apply/procsvc.h"
#include "apply/tdload.h"
#include "apply/tls.h"
#include "arch/arch.h"

#define TLS_MAX_MODULES 65536 /* bound on the r_debug list walk */

static int read64(struct ps_prochandle *ph, uint64_t addr, uint64_t *v)
{
	return rmem_read(ph->mem, addr, v, sizeof(*v), NULL);
}

/* The run-time address of @mod's dynamic section, or 0 if it has none. */
static uint64_t dynamic_addr(const struct module *mod)
{
	size_t n = 0;
	GElf_Phdr ph;

	if (elf_getphdrnum(mod->elf, &n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (gelf_getphdr(mod->elf, (int)i, &ph) &&
		    ph.p_type == PT_DYNAMIC)
			return mod->bias + ph.p_vaddr;
	return 0;
}

/* The struct link_map whose l_ld is @mod's dynamic section. */
static int find_link_map(struct ps_prochandle *ph, const struct module *mod,
			 uint64_t *lm, struct error *err)
{
	uint64_t dyn = dynamic_addr(mod), r_debug, l_ld;

	/* A statically linked program's own link_map is not in the list. */
	if (!dyn && mod->is_main && ph->mods->n == 1)
		return procsvc_lookup(ph, NULL, "_dl_main_map", lm)
			   ? error_set(err, -ENOENT,
				       "%s is statically linked and its symbol "
				       "table has no _dl_main_map (stripped?), "
				       "so its thread-local storage is unknown",
				       mod->path)
			   : 0;
	if (!dyn || procsvc_lookup(ph, NULL, "_r_debug", &r_debug) ||
	    read64(ph, r_debug + offsetof(struct r_debug, r_map), lm))
		return error_set(err, -ENOENT,
				 "cannot find the dynamic linker's list of "
				 "modules in process %d, so the thread-local "
				 "storage of %s is unknown",
				 ph->pid, mod->path);
	for (int n = 0; *lm && n < TLS_MAX_MODULES; n++) {
		if (read64(ph, *lm + offsetof(struct link_map, l_ld), &l_ld))
			break;
		if (l_ld == dyn)
			return 0;
		if (read64(ph, *lm + offsetof(struct link_map, l_next), lm))
			break;
	}
	return error_set(err, -ENOENT,
			 "the dynamic linker of process %d does not list %s "
			 "among its modules (a dlmopen() namespace?), so its "
			 "thread-local storage is unknown",
			 ph->pid, mod->path);
}

/* Field @field of the struct link_map at @lm, at the offset libc
 * describes for libthread_db in _thread_db_link_map_@field. */
static int read_field(struct ps_prochandle *ph, uint64_t lm, const char *field,
		      uint64_t *v, struct error *err)
{
	char name[64];
	uint32_t desc[3]; /* bits, count, offset */
	uint64_t at;

	snprintf(name, sizeof(name), "_thread_db_link_map_%s", field);
	if (procsvc_lookup(ph, "libc.so.6", name, &at) ||
	    rmem_read(ph->mem, at, desc, sizeof(desc), NULL) || desc[0] != 64 ||
	    desc[1] != 1 || read64(ph, lm + desc[2], v))
		return error_set(err, -ENOTSUP,
				 "the C library of process %d does not "
				 "describe %s for libthread_db as glibc does, "
				 "so thread-local storage cannot be bound",
				 ph->pid, name);
	return 0;
}

/* What td_ta_thr_iter's callback checks, and the first failure. */
struct tls_walk {
	const struct td_api *td;
	struct ps_prochandle *ph;
	uint64_t lm;
	struct tls_module *mod;
	struct error *err;
	int ret;
};

static const char *td_why(td_err_e e)
{
	switch (e) {
	case TD_NOLIBTHREAD:
		return "no thread library in the process";
	case TD_VERSION:
		return "libthread_db and the process's C library differ";
	case TD_TLSDEFER:
		return "the block is not allocated";
	case TD_NOTLS:
		return "no thread-local storage";
	default:
		return "libthread_db failed";
	}
}

/* The block of thread @th at @block (0: not allocated yet) fits what the
 * link_map says?  For static TLS it must lie at the module's offset below
 * the thread pointer, th_unique, which is also the TCB whose first word
 * points to itself (x86-64 TLS ABI; glibc's struct pthread begins so). */
static int check_block(struct tls_walk *w, const td_thrhandle_t *th,
		       uint64_t block, const char *how)
{
	uint64_t tp = (uint64_t)th->th_unique, self = 0;
	uint64_t want = tp + (uint64_t)arch_tls_tpoff(w->mod->offset, 0);

	if (!w->mod->is_static)
		return 0;
	if (!read64(w->ph, tp, &self) && self == tp && block == want)
		return 0;
	return error_set(
	    w->err, -EAGAIN,
	    "thread-local storage of process %d is not where its "
	    "dynamic linker says: %s gives the block of module %" PRIu64
	    " at %#" PRIx64 " in the thread at %#" PRIx64 ", not %#" PRIx64,
	    w->ph->pid, how, w->mod->modid, block, tp, want);
}

/*
 * The failure of walk_thread: what libthread_db gave for the thread.  The
 * threads run while they are read, and one that starts (reusing a cached
 * stack, its TLS set up again) or ends meanwhile can look inconsistent: so
 * this and check_block's failure are -EAGAIN, and apply plans again until
 * its timeout, reporting the last one.
 */
static int walk_failed(struct tls_walk *w, td_err_e e1, td_err_e e2,
		       psaddr_t by_id, psaddr_t by_map)
{
	if (e1 == TD_OK && e2 == TD_OK)
		return error_set(w->err, -EAGAIN,
				 "libthread_db gives module %" PRIu64
				 " of process %d a block at %#" PRIx64
				 " by its id but at %#" PRIx64
				 " by its link_map in one thread",
				 w->mod->modid, w->ph->pid, (uint64_t)by_id,
				 (uint64_t)by_map);
	return error_set(w->err, -EAGAIN,
			 "libthread_db cannot confirm module %" PRIu64
			 "'s thread-local storage in a thread of process %d: "
			 "%s",
			 w->mod->modid, w->ph->pid,
			 td_why(e1 != TD_OK ? e1 : e2));
}

/* One thread: td_thr_tlsbase() by module id and td_thr_tls_get_addr() by
 * link_map agree, and check_block(). */
static int walk_thread(const td_thrhandle_t *th, void *arg)
{
	struct tls_walk *w = arg;
	psaddr_t by_id = 0, by_map = 0;
	td_err_e e1, e2;

	e1 = w->td->thr_tlsbase(th, w->mod->modid, &by_id);
	e2 = w->td->thr_tls_get_addr(th, (psaddr_t)w->lm, 0, &by_map);
	if (e1 == TD_OK && e2 == TD_OK && by_id == by_map)
		w->ret = check_block(w, th, (uint64_t)by_id, "libthread_db");
	else if (!w->mod->is_static && e1 == TD_TLSDEFER && e1 == e2)
		w->ret = 0; /* dynamic TLS this thread has not used yet */
	else
		w->ret = walk_failed(w, e1, e2, by_id, by_map);
	w->mod->nthreads += !w->ret;
	return w->ret ? -1 : 0;
}

static int walk_threads(struct tls_walk *w)
{
	td_thragent_t *ta = NULL;
	td_err_e e;

	if ((e = w->td->init()) != TD_OK ||
	    (e = w->td->ta_new(w->ph, &ta)) != TD_OK)
		return error_set(w->err, -ENOTSUP,
				 "libthread_db cannot read the threads of "
				 "process %d: %s",
				 w->ph->pid, td_why(e));
	e = w->td->ta_thr_iter(ta, walk_thread, w, TD_THR_ANY_STATE,
			       TD_THR_LOWEST_PRIORITY, TD_SIGNO_MASK,
			       TD_THR_ANY_USER_FLAGS);
	w->td->ta_delete(ta);
	if (w->ret)
		return w->ret;
	if (e != TD_OK || !w->mod->nthreads)
		return error_set(w->err, -EAGAIN,
				 "libthread_db cannot list the threads of "
				 "process %d: %s",
				 w->ph->pid, td_why(e));
	return 0;
}

int tls_probe(struct tls_layout *t, struct modules *mods, struct module *target,
	      const struct rmem *mem, struct error *err)
{
	struct ps_prochandle ph = {mods->pid, mods, mem};
	struct tls_walk w = {NULL, &ph, 0, &t->mod, err, 0};
	int r;

	if (!t->used)
		return 0;
	memset(&t->mod, 0, sizeof(t->mod));
	if ((r = find_link_map(&ph, target, &w.lm, err)) ||
	    (r = read_field(&ph, w.lm, "l_tls_modid", &t->mod.modid, err)) ||
	    (r = read_field(&ph, w.lm, "l_tls_offset", &t->mod.offset, err)))
		return r;
	if (!t->mod.modid)
		return error_set(err, -EINVAL,
				 "%s has no thread-local storage in process "
				 "%d, but the patch uses some of it",
				 target->path, ph.pid);
	t->mod.is_static = arch_tls_offset_static(t->mod.offset);
	return td_load(&w.td, err) ?: walk_threads(&w);
}
