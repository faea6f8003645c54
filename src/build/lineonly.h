/*
 * lineonly.h - recognising functions changed only by shifted __LINE__
 * constants (see lineonly.c).
 */
#ifndef SUTURE_BUILD_LINEONLY_H
#define SUTURE_BUILD_LINEONLY_H

#include <stdbool.h>

#include "build/pipeline.h"

/*
 * lineonly_check - whether changed function @f differs from its orig
 * version only in immediates each proven (from both builds' line tables
 * and sources, see lineonly.c) to be the __LINE__ of an unchanged
 * statement that moved.  Unproven is false: the function is patched
 * (with a warning through @ctx when line information was missing).
 */
bool lineonly_check(const struct build_ctx *ctx, const struct fn_result *f);

#endif
