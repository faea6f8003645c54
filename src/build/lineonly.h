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
 * version only in immediates, each of which is the number of a source line
 * whose text is unchanged (orig line old == patched line new) in the
 * object's source file.
 */
bool lineonly_check(const struct build_ctx *ctx, const struct fn_result *f);

#endif
