/*
 * symbols.c - `suture symbols PID DIR`: symbol files that let a debugger
 * name the code of the patches applied to a process (apply/symfile.h).
 */
#include <stdio.h>
#include <string.h>

#include "apply/symfile.h"
#include "cli/commands.h"
#include "cli/pidarg.h"

static const char usage_text[] =
    "usage: suture symbols PID DIR\n"
    "\n"
    "Write DIR/NAME.debug for every patch applied to process PID: an ELF\n"
    "file with the patch's code, call-frame information and function\n"
    "names at their addresses in the process.  Prints the gdb commands\n"
    "that load them (gdb -p PID -x FILE), so that backtraces name patched\n"
    "functions and unwind through them; `suture gdb PID` does all that.\n";

int cmd_symbols(int argc, char **argv)
{
	struct error err = {""};
	size_t n;
	pid_t pid;

	if (argc == 2 && !strcmp(argv[1], "--help"))
		return fputs(usage_text, stdout), 0;
	if (argc != 3 || cli_parse_pid(argv[1], &pid) < 0)
		return fputs(usage_text, stderr), 2;
	if (symfile_write_all(pid, argv[2], stdout, &n, &err) < 0) {
		fprintf(stderr, "suture symbols: %s\n", err.msg);
		return 1;
	}
	if (!n)
		fprintf(stderr,
			"suture symbols: no patches applied to process "
			"%d\n",
			pid);
	return 0;
}
