/*
 * tdload.h - glibc's libthread_db, loaded the first time a patch needs it.
 *
 * Only a patch that uses thread-local storage calls libthread_db (tls.c).
 * Linked, it was one more shared object that the dynamic linker mapped and
 * relocated at the start of every command, `suture --help` included: about
 * 0.08 ms of CPU and 6-8 page faults each.  Loaded with dlopen(), it finds
 * the ps_* functions it calls back (procsvc.c) among suture's exported
 * symbols (the Makefile exports them).
 */
#ifndef SUTURE_APPLY_TDLOAD_H
#define SUTURE_APPLY_TDLOAD_H

#include <thread_db.h>

#include "util/error.h"

/* The libthread_db functions tls.c calls. */
struct td_api {
	td_err_e (*init)(void);
	td_err_e (*ta_new)(struct ps_prochandle *ph, td_thragent_t **ta);
	td_err_e (*ta_delete)(td_thragent_t *ta);
	td_err_e (*ta_thr_iter)(const td_thragent_t *ta, td_thr_iter_f *cb,
				void *data, td_thr_state_e state, int prio,
				sigset_t *mask, unsigned int flags);
	td_err_e (*thr_tlsbase)(const td_thrhandle_t *th, unsigned long modid,
				psaddr_t *base);
	td_err_e (*thr_tls_get_addr)(const td_thrhandle_t *th, psaddr_t map,
				     size_t offset, psaddr_t *addr);
};

/*
 * td_load - libthread_db's functions into *@api, the library loaded on
 * the first call (it stays loaded).  -ENOTSUP if it cannot be loaded or
 * lacks one of them, saying which and what to install.
 */
int td_load(const struct td_api **api, struct error *err);

#endif
