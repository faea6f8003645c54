/* statusall.h - `suture status --all [FILE...] [--json]` (statusall.c). */
#ifndef SUTURE_CLI_STATUSALL_H
#define SUTURE_CLI_STATUSALL_H

#include <stdbool.h>
#include <stddef.h>

/* cli_status_all - list every process with patches applied, or patchable
 * by one of the @n patch @files; the exit status. */
int cli_status_all(char **files, size_t n, bool json);

#endif
