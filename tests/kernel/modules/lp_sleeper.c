/*
 * lp_sleeper.c - a livepatch of sleeper_wait() in the module "sleeper"
 * (not vmlinux).  While sleeper's thread waits inside the old function
 * the transition cannot end: t-kernel's timeout and reversal case.
 */
static int lp_sleeper_wait(void)
{
	return 0;
}

#define LP_OBJECT "sleeper"
#define LP_OLD "sleeper_wait"
#define LP_NEW lp_sleeper_wait
#define LP_REPLACE false
#include "lp.h"
