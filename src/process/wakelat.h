/*
 * wakelat.h - keep the machine's CPUs quick to wake while suture holds a
 * process (session.c's lock): a CPU latency request of the kernel's PM QoS
 * (/dev/cpu_dma_latency, Documentation/power/pm_qos_interface.rst).
 *
 * A thread suture stops and releases comes back on a CPU that went idle
 * meanwhile; a CPU halted in an idle state (HLT in a VM, a C-state on
 * hardware) takes tens of µs to wake, and each stop pays it (wakelat.c).
 * With a request of 0 µs the idle CPUs poll instead of halting, and wake
 * at once.  The request is the kernel's, tied to an open descriptor: it
 * ends when suture releases it or exits, killed included.  Opening the
 * device needs root; without it, or without the device, nothing is held
 * and threads are stopped all the same, only slower to come back.
 */
#ifndef SUTURE_PROCESS_WAKELAT_H
#define SUTURE_PROCESS_WAKELAT_H

#include <stdbool.h>

/* wakelat_hold - the request, until the matching wakelat_release (holds
 * nest, the first makes it; wakelat_held says whether it is in force). */
void wakelat_hold(void);

/* wakelat_release - end one hold; the last ends the request. */
void wakelat_release(void);

/* wakelat_held - whether a request is in force now. */
bool wakelat_held(void);

/* wakelat_made - whether a request was in force at some time since
 * suture started (for apply -v and revert -v). */
bool wakelat_made(void);

#endif
