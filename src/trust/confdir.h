/*
 * confdir.h - suture's system configuration: TRUST_DIR (/etc/suture, set
 * when suture is built, never by the environment) holds `policy`
 * (policy.h) and `keys/`, the trusted public keys (*.pub, keys.h).
 *
 * Whoever can write there decides what code may enter other users'
 * processes, so nothing is read from it unless the file and every
 * directory above it belong to root and are not writable by group or
 * others (as OpenSSH's StrictModes checks).  A missing directory or file
 * is no error: it means the defaults and no trusted key.
 */
#ifndef SUTURE_TRUST_CONFDIR_H
#define SUTURE_TRUST_CONFDIR_H

#include <stddef.h>

#include "trust/keys.h"
#include "util/error.h"

#ifndef TRUST_DIR
#define TRUST_DIR "/etc/suture"
#endif
#define TRUST_POLICY   TRUST_DIR "/policy"
#define TRUST_KEYS_DIR TRUST_DIR "/keys"

/*
 * confdir_read - read @path (a file of TRUST_DIR) into a new string *text,
 * after checking it is safe (above).  *text is NULL if it does not exist.
 */
int confdir_read(const char *path, char **text, struct error *err);

/*
 * confdir_check_secure - 0 if @path and every directory above it (symbolic
 * links resolved) belong to root and are not writable by group or others;
 * -ENOENT, with no message, if it does not exist; else -EPERM naming the
 * path, its owner or mode, and the fix.  Also for the enabled-patch store
 * (persist/store.h), which must be as safe.
 */
int confdir_check_secure(const char *path, struct error *err);

/* confdir_keys - the trusted keys, in a new array (*keys, *n). */
int confdir_keys(struct key **keys, size_t *n, struct error *err);

#endif
