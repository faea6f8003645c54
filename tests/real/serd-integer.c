/*
 * serd-integer.c - the tests' long-running user of libserd: prints the
 * literal serd_node_new_integer() makes of each integer it reads (one a
 * line), as "N_BYTES:TEXT".  The nodes are not freed: unfixed, the buffer
 * of 10^16 is written one byte before its start, which free() would
 * trip over.
 */
#include <serd/serd.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	char line[64];

	while (fgets(line, sizeof(line), stdin)) {
		SerdNode n = serd_node_new_integer(strtoll(line, NULL, 10));

		printf("%zu:%s\n", n.n_bytes, (const char *)n.buf);
		fflush(stdout);
	}
	return 0;
}
