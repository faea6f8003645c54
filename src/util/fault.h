/*
 * fault.h - fault injection for the crash-consistency tests.
 *
 * Every step at which suture changes a target process calls fault_point().
 * When the environment variable SUTURE_FAULT is N, suture kills itself with
 * SIGKILL at the Nth such step, exactly as an operator's `kill -9` or an
 * OOM kill would, so tests can show that the target survives suture dying
 * at every one of them.  Without the variable this costs one comparison.
 */
#ifndef SUTURE_UTIL_FAULT_H
#define SUTURE_UTIL_FAULT_H

/* fault_point - count one step (@what names it in the kill message). */
void fault_point(const char *what);

#endif
