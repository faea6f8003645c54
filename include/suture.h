/*
 * suture.h - what the source of a live patch can use to deal with the data
 * the running process already holds.
 *
 * `suture build` puts this header on the include path of both builds it
 * runs; it is also installed under PREFIX/include.  Nothing here needs the
 * target to be linked with anything.
 *
 * Hooks.  A patch may bring functions that suture runs inside the target
 * while every thread is stopped and none is running code of the patch being
 * applied or reverted, in one thread, exactly once per apply or revert:
 *
 *   SUTURE_PRE_APPLY(fn)    int fn(void): before the patch goes live; a
 *                           non-zero return vetoes it (apply fails, naming
 *                           the hook and the value; the target is as before)
 *   SUTURE_POST_APPLY(fn)   void fn(void): right after it went live
 *   SUTURE_PRE_REVERT(fn)   void fn(void): before the revert
 *   SUTURE_POST_REVERT(fn)  void fn(void): right after it, while the
 *                           patch's code and data still exist
 *
 * A hook may read and change the program's data (check or convert the live
 * state, free shadow data).  It must not wait for anything another thread
 * could hold (locks, including malloc's: every other thread is stopped,
 * perhaps inside one), and must be short.  One that does not return within
 * the hook timeout (suture apply --hook-timeout, default 2 s), or that
 * crashes, is abandoned and the apply or revert undone; what it changed
 * until then stays changed.
 */
#ifndef SUTURE_H
#define SUTURE_H

#define SUTURE_HOOK__(kind, fn, type)                                          \
	static __typeof__(type) const __suture_hook_##kind##_##fn             \
	    __attribute__((used, section(".suture.hook." #kind))) = fn

#define SUTURE_PRE_APPLY(fn)   SUTURE_HOOK__(pre_apply, fn, int (*)(void))
#define SUTURE_POST_APPLY(fn)  SUTURE_HOOK__(post_apply, fn, void (*)(void))
#define SUTURE_PRE_REVERT(fn)  SUTURE_HOOK__(pre_revert, fn, void (*)(void))
#define SUTURE_POST_REVERT(fn) SUTURE_HOOK__(post_revert, fn, void (*)(void))

#endif
