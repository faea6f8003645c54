/*
 * enabledrep.h - what `status` and `drift` add about enabled patches
 * (persist/match.h): each one whose build a process runs but that is not
 * applied to it (after an exec or a restart, or in a process the preload
 * library could not patch), and a fixed build now on disk.
 */
#ifndef SUTURE_CLI_ENABLEDREP_H
#define SUTURE_CLI_ENABLEDREP_H

#include <jansson.h>
#include <stdio.h>
#include <sys/types.h>

/* cli_fixed_line - the line saying that @path on disk is now build @disk,
 * not the one patch @name was made for, to @f. */
void cli_fixed_line(FILE *f, const char *path, const char *disk,
		    const char *name);

/* cli_enabled_print - print those lines for @pid; returns how many
 * enabled patches it lacks (a store that cannot be read is a warning). */
size_t cli_enabled_print(pid_t pid);

/* cli_enabled_json - the same as a JSON array of {name, id, build_id,
 * module, applied, disk_build_id}; *lacking counts the unapplied. */
json_t *cli_enabled_json(pid_t pid, size_t *lacking);

#endif
