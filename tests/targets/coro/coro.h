/*
 * coro.h - a coroutine, a callback and a string the program keeps, for
 * t-retain: what a revert must not pull from under a running program.
 */
#ifndef TARGET_CORO_H
#define TARGET_CORO_H

/* co_start - a new coroutine running co_body, or with @entry one that
 * yields from inside first_call; 0, or -1 if one exists. */
int co_start(int entry);
/* co_resume - run the coroutine to its next yield; its last note into
 * @out (@len bytes); 1 when it has finished (and is freed), 0 if not,
 * -1 if there is none. */
int co_resume(char *out, unsigned long len);

/* Callbacks are made by make_cb and called by their pointer. */
typedef const char *cb_fn(void);
cb_fn *make_cb(void);
/* greeting - a string the program keeps a pointer to. */
const char *greeting(void);

#endif
