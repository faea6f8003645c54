/* validate.h - the invariants every struct patch satisfies (patchfile.h). */
#ifndef SUTURE_PATCHFILE_VALIDATE_H
#define SUTURE_PATCHFILE_VALIDATE_H

#include "patchfile/patch.h"
#include "util/error.h"

/*
 * patch_validate - check @p against the invariants listed for
 * patchfile_read().  The reader runs it on untrusted input; the writer runs
 * it so that suture never writes a file it would refuse to read.
 */
int patch_validate(const struct patch *p, struct error *err);

#endif
