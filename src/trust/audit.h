/*
 * audit.h - the audit trail: one line in the system log (syslog(3),
 * facility authpriv, which distributions keep root-readable, e.g.
 * /var/log/auth.log or the journal) for every apply, replace, revert and
 * refusal:
 *
 *   suture[PID]: apply patch=NAME id=ID file="FILE" signer=SIGNER pid=N
 *       exe="PATH" user=NAME(UID) result=RESULT [why="MESSAGE"]
 *
 * SIGNER is "FINGERPRINT (NAME) trusted|untrusted", "unsigned", or
 * "unrecorded" (a revert: the process keeps no signer; or a file that
 * could not be read); RESULT is "applied", "reverted", "refused" (by the
 * policy, or a file suture would not read) or "failed", and MESSAGE the
 * error the user saw.  NAME and ID are "?" where unknown.
 * Logging never fails the command: with no syslog daemon the line is lost,
 * as syslog(3) loses it.
 */
#ifndef SUTURE_TRUST_AUDIT_H
#define SUTURE_TRUST_AUDIT_H

#include <stdbool.h>
#include <sys/types.h>

#include "patchfile/patch.h"

struct audit_event {
	const char *action; /* "apply", "replace", "revert" */
	const char *patch;  /* name, or "" if not known */
	const char *id;	    /* patch id (checksum), or "" */
	const char *file;   /* the patch file, or "" (revert) */
	const struct patch_signer *signer;
	bool signer_known; /* false: a revert, no signer recorded */
	bool trusted;	   /* the signer is a trusted key */
	pid_t pid;
	const char *result; /* "applied", "reverted", "refused", "failed" */
	const char *why;    /* the error message, or NULL */
};

/* audit_log - send @e to the system log. */
void audit_log(const struct audit_event *e);

/*
 * audit_log_patch - audit_log(@e) for patch @p (apply and replace): its
 * name, id and signer from @p, or, if @p is NULL (its file could not be
 * read), the name and id @e has and the signer unrecorded.
 */
void audit_log_patch(struct audit_event e, const struct patch *p);

#endif
