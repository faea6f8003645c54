/* farlib.c - libfar.so (far.h). */
#include <unistd.h>

extern char **environ;

#include "far.h"

int far_counter;
long far_scratch;
char far_name[] = "libfar";
int far_table[8] = {0, 10, 20, 30, 40, 50, 60, 70};

static int far_triple(int n)
{
	return 3 * n;
}

int (*far_hook)(int) = far_triple;

int far_twice(int n)
{
	return 2 * n;
}

int far_get_counter(void)
{
	return far_counter;
}

int *far_table_at(int i)
{
	return &far_table[i];
}

int (*far_twice_addr(void))(int)
{
	return far_twice;
}

FILE *far_stderr(void)
{
	return stderr;
}

char **far_environ(void)
{
	return environ;
}

const char *far_version(void)
{
	return "far 1";
}
