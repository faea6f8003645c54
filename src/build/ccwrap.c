/* ccwrap.c - placeholder until the compiler wrapper lands. */
#include <stdio.h>

#include "cli/commands.h"

int ccwrap_main(int argc, char **argv)
{
	fprintf(stderr, "suture: compiler wrapper not implemented yet\n");
	return 1;
}
