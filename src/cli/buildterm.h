/*
 * buildterm.h - what `suture build` prints on stderr while it works
 * (buildterm.c): notes and warnings as lines, and which stage runs.
 */
#ifndef SUTURE_CLI_BUILDTERM_H
#define SUTURE_CLI_BUILDTERM_H

#include <stdbool.h>

#include "build/pipeline.h"

struct buildterm {
	bool tty;     /* stderr is a terminal: keep a status line */
	bool verbose; /* -v: notes, and a line per stage */
	bool shown;   /* the status line is on the screen */
};

/*
 * buildterm_init - set up @opts's note, warn and progress callbacks to
 * print through @bt: notes with @verbose only; stages as lines with
 * @verbose; on a terminal, the current stage and its count on one status
 * line, redrawn in place.
 */
void buildterm_init(struct buildterm *bt, struct build_opts *opts,
		    bool verbose);

/* buildterm_clear - erase the status line, before the command's own
 * output. */
void buildterm_clear(struct buildterm *bt);

#endif
