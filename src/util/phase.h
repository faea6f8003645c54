/*
 * phase.h - where the time of a suture command goes, on request.
 *
 * With SUTURE_TIMING=1 in the environment, phase_begin(NAME) ends the
 * phase running so far and starts NAME; phase_report() ends the last one
 * and prints one line to stderr:
 *
 *     suture: timing: attach 41 µs, stack check 120 µs, ... (total 900 µs)
 *
 * (phase names contain no comma, so the line splits on ", ")
 *
 * in the order the phases first began.  A phase that begins several times
 * (a retried stop, several processes) adds up.  Without the variable
 * every call costs one comparison, so the marks stay in the code.
 */
#ifndef SUTURE_UTIL_PHASE_H
#define SUTURE_UTIL_PHASE_H

/* phase_begin - start the phase @name (a string literal: it is kept). */
void phase_begin(const char *name);

/* phase_report - end the current phase and print the line, if timing. */
void phase_report(void);

#endif
