/*
 * step.c - the function the benchmark patches, and its twin.
 *
 * Kept in a file of their own so that no caller can inline them: every
 * iteration of the loops makes a real call, which a patch then sends
 * through its trampoline.  step.diff changes only the constant of
 * pause_step, so the patched code costs exactly what the original does
 * and any difference is the trampoline's.
 */
#include "pause.h"

unsigned long pause_step(unsigned long x)
{
	return x * 2654435761u + 1;
}

unsigned long pause_ref(unsigned long x)
{
	return x * 2654435761u + 1;
}
