/* build.c - placeholder until the subcommand lands. */
#include <stdio.h>

#include "cli/commands.h"

int cmd_build(int argc, char **argv)
{
	fprintf(stderr, "suture build: not implemented yet\n");
	return 1;
}
