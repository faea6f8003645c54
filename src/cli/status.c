/* status.c - placeholder until the subcommand lands. */
#include <stdio.h>

#include "cli/commands.h"

int cmd_status(int argc, char **argv)
{
	fprintf(stderr, "suture status: not implemented yet\n");
	return 1;
}
