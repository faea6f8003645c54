/*
 * retained.h - how the commands show regions kept mapped after they were
 * switched off (src/apply/retain.h), and `suture gc`.
 */
#ifndef SUTURE_CLI_RETAINED_H
#define SUTURE_CLI_RETAINED_H

#include <jansson.h>

#include "apply/result.h"
#include "apply/state.h"

/* cli_retained_line - "N bytes, K references, e.g. at 0x... (heap)" for
 * retained region @r of @pid, into @buf of @len bytes. */
char *cli_retained_line(pid_t pid, const struct record *r, char *buf,
			size_t len);

/* cli_print_released - what a revert or gc found of retained regions:
 * @res's own patch kept, others freed or still kept. */
void cli_print_released(pid_t pid, const struct apply_result *res);

/* cli_retained_json - the retained regions of @st, as status --json
 * lists them. */
json_t *cli_retained_json(pid_t pid, const struct state *st);

#endif
