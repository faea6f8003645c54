/* tdload.c - glibc's libthread_db, loaded on first use (tdload.h). */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

#include "apply/tdload.h"

#define TD_LIB "libthread_db.so.1"

/* Where each function of struct td_api goes, by its name in the library. */
static const struct {
	const char *name;
	size_t at;
} td_funcs[] = {
    {"td_init", offsetof(struct td_api, init)},
    {"td_ta_new", offsetof(struct td_api, ta_new)},
    {"td_ta_delete", offsetof(struct td_api, ta_delete)},
    {"td_ta_thr_iter", offsetof(struct td_api, ta_thr_iter)},
    {"td_thr_tlsbase", offsetof(struct td_api, thr_tlsbase)},
    {"td_thr_tls_get_addr", offsetof(struct td_api, thr_tls_get_addr)},
};

/*
 * Mutable global state: the library, once loaded, is the process's for
 * good (as a linked one was), and so are the addresses found in it.
 */
static struct td_api td;
static void *td_handle;

int td_load(const struct td_api **api, struct error *err)
{
	void *f;

	if (!td_handle && !(td_handle = dlopen(TD_LIB, RTLD_NOW | RTLD_LOCAL)))
		return error_set(err, -ENOTSUP,
				 "cannot load %s, which checks thread-local "
				 "storage for a patch that uses it: %s "
				 "(it comes with the C library: install "
				 "libc6)",
				 TD_LIB, dlerror());
	for (size_t i = 0; i < sizeof(td_funcs) / sizeof(*td_funcs); i++) {
		if (!(f = dlsym(td_handle, td_funcs[i].name)))
			return error_set(err, -ENOTSUP, "%s has no %s: %s",
					 TD_LIB, td_funcs[i].name, dlerror());
		*(void **)((char *)&td + td_funcs[i].at) = f;
	}
	*api = &td;
	return 0;
}
