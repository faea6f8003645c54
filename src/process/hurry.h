/*
 * hurry.h - how suture is scheduled while it holds a process's threads
 * (session.c): as a real-time task, and, holding one thread, on that
 * thread's CPU; then as before, off the released thread's CPU.  Each
 * step is best effort: a suture that may not change its scheduling
 * stops threads all the same, only later.
 */
#ifndef SUTURE_PROCESS_HURRY_H
#define SUTURE_PROCESS_HURRY_H

#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>

struct hurry {
	int policy; /* suture's scheduling before hurry_begin */
	struct sched_param param;
	bool hurried;	/* suture runs as a real-time task meanwhile */
	cpu_set_t cpus; /* and where it ran before it was pinned */
	bool pinned;	/* to the CPU of thread @tid of process @pid */
	pid_t pid, tid;
};

/* hurry_begin - make suture a real-time task (SCHED_FIFO 1) if it may,
 * noting its scheduling before in @h. */
void hurry_begin(struct hurry *h);

/* hurry_pin - move suture to the CPU thread @tid of @pid last ran on. */
void hurry_pin(struct hurry *h, pid_t pid, pid_t tid);

/* hurry_end - back to the CPUs and scheduling noted in @h, leaving the
 * pinned thread's CPU first if that thread is runnable. */
void hurry_end(struct hurry *h);

#endif
