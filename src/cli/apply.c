/* apply.c - placeholder until the subcommand lands. */
#include <stdio.h>

#include "cli/commands.h"

int cmd_apply(int argc, char **argv)
{
	fprintf(stderr, "suture apply: not implemented yet\n");
	return 1;
}
