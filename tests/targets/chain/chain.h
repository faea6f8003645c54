/*
 * chain.h - four functions that call each other, f1 -> f2 -> f3 -> f4,
 * each adding the digit of its version (VER1..VER4) to the result, so one
 * call returns 1111 when every function is version 1 and 2222 when all are
 * version 2 (f1 gives the last digit).  Version 3 (v3.diff) changes f1..f3
 * and keeps f4: 1333.  A patch switches all of its functions; any other
 * result is a call chain that saw old and new code of one patch.
 */
#ifndef CHAIN_H
#define CHAIN_H

long f1(long seed);
long f2(long seed);
long f3(long seed);
long f4(long seed);

/* Calls that reached f4, counted by f4 itself (state in the target). */
extern unsigned long f4_calls;

#endif
