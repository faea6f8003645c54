/* audit.c - the audit trail in the system log (see audit.h). */
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "trust/audit.h"
#include "trust/sigblock.h"
#include "trust/username.h"

/* @s with line breaks (a multi-line error message) made spaces. */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

static void signer_text(const struct audit_event *e, char *buf, size_t size)
{
	char who[KEY_NAME_MAX + KEY_FPR_SIZE + 8];

	if (!e->signer_known)
		snprintf(buf, size, "unrecorded");
	else if (!e->signer)
		snprintf(buf, size, "unsigned");
	else
		snprintf(buf, size, "\"%s %s\"",
			 signer_describe(e->signer, who, sizeof(who)),
			 e->trusted ? "trusted" : "untrusted");
}

/*
 * The name of user @uid, "?" if it has none (username.h).  Looked up once
 * per process and user (mutable global state, like util/phase.c): one
 * worker of `apply PID,PID,...` logs hundreds of events.
 */
static const char *user_name(uid_t uid)
{
	static char name[256];
	static uid_t known = (uid_t)-1;

	if (uid != known) {
		username_of(uid, name, sizeof(name));
		known = uid;
	}
	return name;
}

/*
 * The connection to the system log stays open from the first event to
 * the end of the process (as with any syslog(3) user that does not call
 * closelog), instead of one connection per event.
 */
void audit_log(const struct audit_event *e)
{
	char exe[4096] = "?", path[64], signer[256], why[1100] = "";
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", e->pid);
	if ((n = readlink(path, exe, sizeof(exe) - 1)) > 0)
		exe[n] = '\0';
	signer_text(e, signer, sizeof(signer));
	if (e->why)
		snprintf(why, sizeof(why), " why=\"%s\"", e->why);
	one_line(why);
	openlog("suture", LOG_PID, LOG_AUTHPRIV);
	syslog(e->why ? LOG_WARNING : LOG_NOTICE,
	       "%s patch=%s id=%s file=\"%s\" signer=%s pid=%d exe=\"%s\" "
	       "user=%s(%u) result=%s%s",
	       e->action, *e->patch ? e->patch : "?", *e->id ? e->id : "?",
	       e->file, signer, e->pid, exe, user_name(getuid()),
	       (unsigned)getuid(), e->result, why);
}

void audit_log_patch(struct audit_event e, const struct patch *p)
{
	if (p) {
		e.patch = p->name;
		e.id = p->id;
		e.signer = p->signer;
	}
	e.signer_known = p;
	audit_log(&e);
}
