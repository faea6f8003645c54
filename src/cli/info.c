/* info.c - placeholder until the subcommand lands. */
#include <stdio.h>

#include "cli/commands.h"

int cmd_info(int argc, char **argv)
{
	fprintf(stderr, "suture info: not implemented yet\n");
	return 1;
}
