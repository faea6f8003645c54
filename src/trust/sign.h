/*
 * sign.h - signing a patch file in place (suture sign, suture build
 * --sign).  The file must be a valid patch; a signature it already carries
 * must verify, and is replaced: a file carries one signature.
 */
#ifndef SUTURE_TRUST_SIGN_H
#define SUTURE_TRUST_SIGN_H

#include "trust/keys.h"
#include "util/error.h"

/* sign_file - sign the patch file @path with @k (rewritten atomically). */
int sign_file(const char *path, const struct key *k, struct error *err);

#endif
