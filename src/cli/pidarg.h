/*
 * pidarg.h - argument parsing and printing shared by apply, revert and
 * status.
 */
#ifndef SUTURE_CLI_PIDARG_H
#define SUTURE_CLI_PIDARG_H

#include <sys/types.h>

#include "apply/record.h"

/* cli_parse_pid - a decimal PID; -1 if @s is not one. */
int cli_parse_pid(const char *s, pid_t *pid);

/* cli_parse_timeout - seconds (fractions allowed) into milliseconds. */
int cli_parse_timeout(const char *s, unsigned *ms);

/* cli_print_func_names - "a, b, c" (at most a few, then "...") of the
 * functions of @rec that got a trampoline. */
void cli_print_func_names(const struct record *rec);

#endif
