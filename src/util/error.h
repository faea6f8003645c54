/*
 * error.h - how library code reports failure.
 *
 * Library functions never print and never exit.  They return 0 on success or
 * a negative errno on failure, and write one full sentence naming what failed
 * (function, symbol, PID, file) into the struct error their caller passed.
 * Only the command layer (src/cli) prints it.
 */
#ifndef SUTURE_UTIL_ERROR_H
#define SUTURE_UTIL_ERROR_H

struct error {
	char msg[1024];
};

/*
 * error_set - record a failure.  @code is a negative errno; it is returned so
 * that callers can write `return error_set(err, -EINVAL, "...")`.  The first
 * message wins: a later error_set does not overwrite an earlier one, so the
 * root cause survives the undo path.
 */
int error_set(struct error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* error_clear - forget a recorded message (for retry loops). */
void error_clear(struct error *err);

#endif
