/*
 * gdb.c - `suture gdb PID [GDB-ARGS...]`: gdb attached to a patched
 * process, with the symbol files of its patches loaded (apply/symfile.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apply/symfile.h"
#include "cli/commands.h"
#include "cli/pidarg.h"
#include "util/file.h"
#include "util/xalloc.h"

static const char usage_text[] =
    "usage: suture gdb PID [GDB-ARGS...]\n"
    "\n"
    "Run gdb attached to process PID with a symbol file for each applied\n"
    "patch loaded (suture symbols), so that backtraces name patched\n"
    "functions and unwind through them.  GDB-ARGS go to gdb (-batch -ex\n"
    "'thread apply all bt', say).  The files are removed when gdb exits.\n";

/* Run gdb on @pid with @script and @args; its exit status. */
static int run_gdb(pid_t pid, const char *script, char **args, int nargs)
{
	char **av = xcalloc((size_t)nargs + 12, sizeof(*av));
	char pidstr[16];
	int n = 0, status;
	pid_t child;

	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	av[n++] = "gdb";
	av[n++] = "-q";
	av[n++] = "-p";
	av[n++] = pidstr;
	/* add-symbol-file asks for confirmation */
	av[n++] = "-ex";
	av[n++] = "set confirm off";
	av[n++] = "-x";
	av[n++] = (char *)script;
	av[n++] = "-ex";
	av[n++] = "set confirm on";
	memcpy(av + n, args, (size_t)nargs * sizeof(*av));
	/* Ctrl-C is for gdb (it stops the target), not for us */
	signal(SIGINT, SIG_IGN);
	if ((child = fork()) == 0) {
		signal(SIGINT, SIG_DFL);
		execvp("gdb", av);
		fprintf(stderr, "suture gdb: cannot run gdb: %s\n",
			strerror(errno));
		_exit(127);
	}
	free(av);
	if (child < 0 || waitpid(child, &status, 0) < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int cmd_gdb(int argc, char **argv)
{
	char dir[] = "/tmp/suture-gdb.XXXXXX", *script;
	struct error err = {""};
	int ret = 1;
	FILE *f;
	size_t n;
	pid_t pid;

	if (argc == 2 && !strcmp(argv[1], "--help"))
		return fputs(usage_text, stdout), 0;
	if (argc < 2 || cli_parse_pid(argv[1], &pid) < 0)
		return fputs(usage_text, stderr), 2;
	if (!mkdtemp(dir))
		return fprintf(stderr, "suture gdb: cannot make %s: %s\n", dir,
			       strerror(errno)),
		       1;
	script = xasprintf("%s/load.gdb", dir);
	if (!(f = fopen(script, "w")))
		fprintf(stderr, "suture gdb: cannot write %s\n", script);
	else if (symfile_write_all(pid, dir, f, &n, &err) < 0)
		fprintf(stderr, "suture gdb: %s\n", err.msg), fclose(f);
	else if (fclose(f) == 0)
		ret = run_gdb(pid, script, argv + 2, argc - 2);
	file_remove_tree(dir);
	free(script);
	return ret;
}
