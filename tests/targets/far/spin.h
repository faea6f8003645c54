/* spin.h - the spinning thread of the far target (spin.c). */
#ifndef SPIN_H
#define SPIN_H

extern volatile unsigned long spin_a, spin_b; /* spin_step()'s counts */
extern volatile unsigned long spin_mark;      /* spin_a, as spin-b.diff's
						 hook saw it */
extern volatile int spin_seen;		      /* what it last read */

void spin_step(void);

/* spin - call spin_step() for ever (a thread's body). */
void *spin(void *arg);

#endif
