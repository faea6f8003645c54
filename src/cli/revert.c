/* revert.c - placeholder until the subcommand lands. */
#include <stdio.h>

#include "cli/commands.h"

int cmd_revert(int argc, char **argv)
{
	fprintf(stderr, "suture revert: not implemented yet\n");
	return 1;
}
