/*
 * pidarg.h - argument parsing and printing shared by apply, revert and
 * status.
 */
#ifndef SUTURE_CLI_PIDARG_H
#define SUTURE_CLI_PIDARG_H

#include <stdbool.h>
#include <sys/types.h>

#include "apply/record.h"

/* cli_parse_pid - a decimal PID; -1 if @s is not one. */
int cli_parse_pid(const char *s, pid_t *pid);

/* cli_is_pid_list - whether @s is made of digits and commas only: a list
 * of PIDs rather than a file or a patch's name. */
bool cli_is_pid_list(const char *s);

/* cli_parse_timeout - seconds (fractions allowed) into milliseconds. */
int cli_parse_timeout(const char *s, unsigned *ms);

/*
 * cli_print_change - what an apply or revert did: "@verb 'NAME' @prep PID
 * N: K functions @done (a, b, ...); process stopped for X µs (...)", plus
 * leftovers of an interrupted suture that were removed on the way.
 */
struct apply_result;
void cli_print_change(const char *verb, const char *prep, const char *done,
		      pid_t pid, const struct apply_result *res);

/* cli_print_wake - for -v: whether the idle CPUs were kept quick to wake
 * while suture held @pid's threads (process/wakelat.h). */
void cli_print_wake(pid_t pid);

#endif
