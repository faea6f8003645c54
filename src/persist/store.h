/*
 * store.h - the enabled-patch store: the patches that processes started
 * later from their target build get before they run (suture enable,
 * disable; docs/DESIGN.md, "Patches that last").
 *
 * STORE_DIR (/var/lib/suture/enabled, fixed when suture is built, never
 * by the environment) holds a copy of each enabled patch file, ID.sut
 * (its signature kept), and `index`, one line per entry in the order the
 * patches were enabled, which is the order they are applied in:
 *
 *     BUILD-ID ID NAME [PATH]
 *
 * the target's build-id in hex, the patch id, its name, and the installed
 * file it was enabled for when `enable --target` named one.  Whoever can
 * write there decides what code enters every process started on the
 * machine, so it is read only if the index, each copy and every directory
 * above them belong to root and are not writable by group or others (the
 * rule of trust/confdir.h); otherwise an error names the path.  A missing
 * store is an empty one.
 */
#ifndef SUTURE_PERSIST_STORE_H
#define SUTURE_PERSIST_STORE_H

#include <stddef.h>

#include "patchfile/patch.h"
#include "util/error.h"

#ifndef STATE_DIR
#define STATE_DIR "/var/lib/suture"
#endif
#define STORE_DIR   STATE_DIR "/enabled"
#define STORE_INDEX STORE_DIR "/index"

struct store_entry {
	char build_id[2 * PATCH_BUILD_ID_MAX + 1]; /* hex */
	char id[PATCH_ID_LEN + 1];
	char name[PATCH_NAME_MAX + 1];
	char *path; /* the installed file, or NULL */
};

struct store {
	struct store_entry *v; /* in the order enabled */
	size_t n, cap;
};

/* store_read - the index (empty if there is no store).  Release with
 * store_free. */
int store_read(struct store *s, struct error *err);
void store_free(struct store *s);

/* store_file - the path of entry @e's copy of the patch, into @buf. */
char *store_file(const struct store_entry *e, char *buf, size_t len);

/*
 * store_load - read and check the copy of @e: the store's rule above, a
 * valid patch file (signature included) whose id, name and build-id are
 * the index's.  Release *p with patch_free.
 */
int store_load(const struct store_entry *e, struct patch **p,
	       struct error *err);

/* store_find - the entry named or with id @what, or NULL. */
const struct store_entry *store_find(const struct store *s, const char *what);

/*
 * store_add - enable patch @p, parsed from the @len bytes of @buf (the
 * very bytes are stored, so what was checked is what is kept), for @path
 * (NULL if none): copy the file into the store and append its line to the
 * index, creating the store (root's, mode 0755) if needed.  -EEXIST if it is
 * enabled.
 */
int store_add(const void *buf, size_t len, const struct patch *p,
	      const char *path, struct error *err);

/* store_remove - disable the entry named or with id @what; its line is
 * copied to *gone (gone->path freed by the caller).  -ENOENT if none. */
int store_remove(const char *what, struct store_entry *gone, struct error *err);

#endif
