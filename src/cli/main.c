/*
 * main.c - the suture program: dispatch to a subcommand, or act as the
 * compiler wrapper when `suture build` runs the user's build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "util/phase.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
    {"build", cmd_build, "make a patch file from a source diff"},
    {"deb", cmd_deb, "make a patch for a Debian package's binary"},
    {"kbuild", cmd_kbuild, "make a kernel livepatch module from a diff"},
    {"apply", cmd_apply, "apply a patch to a running process"},
    {"revert", cmd_revert, "undo an applied patch"},
    {"status", cmd_status, "show the patches applied to a process"},
    {"gc", cmd_gc, "free the memory of reverted patches no longer used"},
    {"info", cmd_info, "show what a patch file contains"},
    {"review", cmd_review, "show a patch's old and new machine code"},
    {"drift", cmd_drift, "show how a running process differs from a binary"},
    {"symbols", cmd_symbols, "write debugger symbol files for patch code"},
    {"gdb", cmd_gdb, "run gdb on a process, naming its patch code"},
    {"keygen", cmd_keygen, "make a key pair for signing patches"},
    {"sign", cmd_sign, "sign a patch file"},
    {"enable", cmd_enable, "give a patch to every process started later"},
    {"disable", cmd_disable, "stop giving an enabled patch"},
};

static int usage(FILE *f)
{
	fprintf(f, "usage: suture COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "\n'suture COMMAND --help' describes a command.\n");
	return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	const char *self = strrchr(argv[0], '/');

	phase_begin("start-up");
	self = self ? self + 1 : argv[0];
	/* Invoked as cc/gcc/clang through the build's wrapper directory. */
	if (getenv("SUTURE_CCWRAP_LOG") && strcmp(self, "suture") != 0)
		return ccwrap_main(argc, argv);
	if (argc < 2)
		return usage(stderr);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage(stdout);
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "suture: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
