/*
 * buildterm.c - `suture build`'s progress on stderr (buildterm.h).
 *
 * A build takes minutes; silence for that long looks like a hang.  On a
 * terminal one status line says which stage runs and how many compiler
 * calls each tree's build has made, rewritten in place ("\r", erase to
 * the end of the line) and cut to the terminal's width so that it never
 * wraps.  Anything else printed meanwhile erases it first.  Output that
 * is not a terminal (a log, a pipe) gets no status line: there, -v prints
 * one line when a stage begins or ends, and without -v nothing is added.
 */
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/buildterm.h"

void buildterm_clear(struct buildterm *bt)
{
	if (!bt->shown)
		return;
	fputs("\r\033[K", stderr);
	bt->shown = false;
}

/* Show @msg on the status line, no wider than the terminal. */
static void buildterm_status(struct buildterm *bt, const char *msg)
{
	static const char prefix[] = "suture build: ";
	struct winsize ws;
	int width = 80;

	if (ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		width = ws.ws_col;
	width -= (int)sizeof(prefix); /* the prefix, and the last column */
	fprintf(stderr, "\r\033[K%s%.*s", prefix, width > 0 ? width : 0, msg);
	fflush(stderr);
	bt->shown = true;
}

static void buildterm_note(void *arg, const char *msg)
{
	struct buildterm *bt = arg;

	buildterm_clear(bt);
	fprintf(stderr, "suture build: %s\n", msg);
}

static void buildterm_warn(void *arg, const char *msg)
{
	struct buildterm *bt = arg;

	buildterm_clear(bt);
	fprintf(stderr, "suture build: warning: %s\n", msg);
}

static void buildterm_progress(void *arg, const char *msg, bool stage)
{
	struct buildterm *bt = arg;

	if (stage && bt->verbose)
		buildterm_note(bt, msg);
	if (bt->tty)
		buildterm_status(bt, msg);
}

void buildterm_init(struct buildterm *bt, struct build_opts *opts, bool verbose)
{
	bt->tty = isatty(2);
	bt->verbose = verbose;
	bt->shown = false;
	opts->note = verbose ? buildterm_note : NULL;
	opts->warn = buildterm_warn;
	opts->progress = buildterm_progress;
	opts->note_arg = bt;
}
