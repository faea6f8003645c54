/*
 * fault.h - fault injection for the crash-consistency tests.
 *
 * Every step at which suture changes a target process calls fault_point().
 * When the environment variable SUTURE_FAULT is N, suture kills itself with
 * SIGKILL at the Nth such step, exactly as an operator's `kill -9` or an
 * OOM kill would, so tests can show that the target survives suture dying
 * at every one of them.  When it is a step's name ("patch uncommitted"),
 * at the first step of that name: where a step falls in the count can
 * depend on the run (a wait for a frame adds steps).  Without the
 * variable this costs a test and a count.
 */
#ifndef SUTURE_UTIL_FAULT_H
#define SUTURE_UTIL_FAULT_H

/* fault_point - count one step (@what names it in the kill message). */
void fault_point(const char *what);

#endif
