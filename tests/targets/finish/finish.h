/*
 * finish.h - the parts of targets/finish: step() (step.c), the function
 * the tests patch; call_step() (call.c), its only caller, also from step()
 * itself when it recurses; pause_in() (wait.c), the wait step() makes
 * inside, chosen by FINISH_WAIT.
 */
#ifndef FINISH_H
#define FINISH_H

#define FINISH_MAX_THREADS 8

/* step - x * 16 + its version (1; 2 or 3 once patched), found @depth calls
 * deep, waiting inside at the bottom; -1 if the calls below it were of
 * another version. */
long step(long x, int depth, int id);

/* call_step - step(@x, @depth, @id), from the one call site of it. */
long call_step(long x, int depth, int id);

/*
 * wait_init - prepare the waits of @n threads: FINISH_WAIT is nanosleep
 * (the default), poll, select, epoll (each with a timeout on a pipe
 * nothing is written to) or read (a blocking read of a pipe a feeder
 * thread writes a byte to each time); each lasts FINISH_MS milliseconds
 * (default 5).  0, or -1.
 */
int wait_init(int n);

/* pause_in - thread @id's wait, counting failures. */
void pause_in(int id);

/* wait_counts - calls that failed with EINTR, and with anything else. */
void wait_counts(unsigned long *eintr, unsigned long *other);

#endif
