/*
 * kmodfile.h - what a kernel module file (.ko) says about itself, read
 * before it is loaded: its name, the kernel it was built for, whether it
 * is a livepatch module and whether its patch is an atomic replace.
 */
#ifndef SUTURE_KLOAD_KMODFILE_H
#define SUTURE_KLOAD_KMODFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

struct kmod_info {
	char name[64];	    /* modinfo "name": the module and its patch */
	char vermagic[256]; /* modinfo "vermagic", release first */
	bool livepatch;	    /* modinfo "livepatch=Y" */
	bool replace;	    /* struct klp_patch .replace */
};

/*
 * kmod_inspect - read @path's .modinfo and find the struct klp_patch its
 * init function enables (a livepatch module's).  Fails naming @path when
 * it is no loadable module, lacks a name or vermagic, or (for a livepatch
 * module) when the patch cannot be found, so that the replace flag,
 * which decides what the load does to the other patches, is never
 * guessed.
 */
int kmod_inspect(const char *path, struct kmod_info *out, struct error *err);

/* kmod_release - the kernel release @vermagic names (its first word),
 * into @buf of @len bytes. */
char *kmod_release(const char *vermagic, char *buf, size_t len);

#endif
