/*
 * cshandle.h - the Capstone handles of one suture process, opened once.
 *
 * A handle builds capstone's table from instruction ids to their details
 * at its first decode (10-15 µs for each new handle; the process's first
 * decode, which also faults the tables in, costs about 200 µs whatever
 * is done), and a command decodes the entry of every function it patches
 * through several helpers (the gate, the padding check, the branch
 * check), once per process of `apply PID,PID,...`.  So each combination
 * of options has one handle, opened at its first use and kept to the end
 * of the process.  Nested users may share one: capstone keeps nothing
 * between two decodes but the last error, and suture has one thread.
 */
#ifndef SUTURE_ARCH_X86_64_CSHANDLE_H
#define SUTURE_ARCH_X86_64_CSHANDLE_H

#include <capstone/capstone.h>
#include <stdbool.h>

/* x86_cs - the x86-64 handle with instruction details or not (@detail), in
 * AT&T syntax or Intel's (@att), into *@h: 0, or -ENOMEM if capstone
 * cannot open one.  Not to be closed. */
int x86_cs(bool detail, bool att, csh *h);

#endif
