/*
 * hurry.c - how suture is scheduled while it holds a process's threads
 * (hurry.h).
 */
#include <sched.h>

#include "process/hurry.h"
#include "process/proc.h"

/*
 * While it holds threads, suture runs as a real-time task if it may: the
 * threads it releases, or the busy ones not stopped yet, would otherwise
 * take the CPU from it between two ptrace calls, and a thousand threads
 * would each wait for the others' time slices.  It spins only for the
 * stop of a process's one running thread on another CPU (held.c, at most
 * 100 µs), so it takes hardly more CPU than before, only sooner.
 */
void hurry_begin(struct hurry *h)
{
	const struct sched_param fifo = {.sched_priority = 1};

	*h = (struct hurry){.policy = sched_getscheduler(0)};
	sched_getparam(0, &h->param);
	h->hurried = !sched_setscheduler(0, SCHED_FIFO, &fifo);
}

/*
 * With one thread to stop, suture also moves to the CPU that thread last
 * ran on: each system call it makes there is two round trips between the
 * two, and on one CPU each is a switch, not a wake-up sent to another CPU
 * (a third less time on the benchmark machine).
 */
void hurry_pin(struct hurry *h, pid_t pid, pid_t tid)
{
	int cpu = proc_thread_cpu(pid, tid);
	cpu_set_t one;

	if (cpu < 0 || sched_getaffinity(0, sizeof(h->cpus), &h->cpus))
		return;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	h->pinned = !sched_setaffinity(0, sizeof(one), &one);
	h->pid = pid;
	h->tid = tid;
}

/*
 * Away from the thread's CPU, while still a real-time task, if the thread
 * is runnable.  Released, the thread may have woken on another CPU than
 * suture's; an ordinary task again on a busy thread's CPU, suture would
 * wait there for its time slice (milliseconds) until the balancer moved
 * one of them.  A mask without that CPU moves suture at once (if it is
 * there), then its own mask is back: it stays where it is.  A thread
 * asleep again takes no CPU: no move (a migration each, for a thousand
 * idle processes in one command).
 */
void hurry_end(struct hurry *h)
{
	cpu_set_t away = h->cpus;
	int cpu;

	if (h->pinned) {
		if ((cpu = proc_thread_runs_on(h->pid, h->tid)) >= 0)
			CPU_CLR(cpu, &away);
		if (CPU_COUNT(&away))
			sched_setaffinity(0, sizeof(away), &away);
		sched_setaffinity(0, sizeof(h->cpus), &h->cpus);
	}
	if (h->hurried)
		sched_setscheduler(0, h->policy, &h->param);
	h->hurried = h->pinned = false;
}
