/* policy.c - the apply policy (see policy.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "process/proc.h"
#include "trust/confdir.h"
#include "trust/policy.h"
#include "trust/sigblock.h"

static const char *const rule_names[] = {"any", "trusted"};

/* Parse one "SETTING = RULE" line (comment and blanks already cut). */
static int parse_setting(struct policy *pol, char *line, int lineno,
			 struct error *err)
{
	char set[32], rule[32], extra;
	enum policy_rule *to = NULL;
	int r;

	if (sscanf(line, " %31[a-z-] = %31s %c", set, rule, &extra) != 2)
		goto bad;
	if (!strcmp(set, "own-processes"))
		to = &pol->own;
	else if (!strcmp(set, "other-users"))
		to = &pol->other;
	for (r = POLICY_ANY; to && r <= POLICY_TRUSTED; r++)
		if (!strcmp(rule, rule_names[r]))
			return *to = r, 0;
bad:
	return error_set(err, -EINVAL,
			 "%s line %d is not understood: \"own-processes = "
			 "any|trusted\" or \"other-users = any|trusted\" "
			 "expected; suture applies nothing until it is "
			 "fixed",
			 TRUST_POLICY, lineno);
}

static int parse_policy(struct policy *pol, char *text, struct error *err)
{
	char *line, *save = NULL;
	int lineno = 0, ret = 0;

	/* strtok_r skips empty lines; count them by hand instead. */
	for (line = text; !ret && line; line = save) {
		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		line[strcspn(line, "#")] = '\0';
		if (line[strspn(line, " \t")])
			ret = parse_setting(pol, line, lineno, err);
	}
	return ret;
}

int policy_load(struct policy *pol, struct error *err)
{
	char *text;
	int ret;

	*pol = (struct policy){.own = POLICY_ANY, .other = POLICY_TRUSTED};
	if ((ret = confdir_read(TRUST_POLICY, &text, err)))
		return ret;
	if (text)
		ret = parse_policy(pol, text, err);
	free(text);
	return ret ? ret : confdir_keys(&pol->keys, &pol->nkeys, err);
}

void policy_free(struct policy *pol)
{
	free(pol->keys);
	pol->keys = NULL;
	pol->nkeys = 0;
}

/* Whether every user ID of @pid is the caller's; *uid gets its real one. */
static int own_process(pid_t pid, bool *own, unsigned *uid, struct error *err)
{
	unsigned u[4];
	int r = proc_uids(pid, u);

	if (r && r != -EINVAL)
		return error_set(err, -ESRCH, "no process %d", pid);
	if (r)
		return error_set(err, -ESRCH,
				 "cannot read the owner of "
				 "process %d",
				 pid);
	*uid = u[0];
	*own = getuid() == geteuid();
	for (int i = 0; i < 4; i++)
		*own &= u[i] == getuid();
	return 0;
}

bool policy_trusts(const struct policy *pol, const struct patch_signer *s)
{
	for (size_t i = 0; s && i < pol->nkeys; i++)
		if (!memcmp(pol->keys[i].pub, s->pub, ED25519_PUBLIC_LEN))
			return true;
	return false;
}

/* Refuse @p for @pid: @own says which rule required a trusted key. */
static int refuse(const struct patch *p, pid_t pid, bool own, unsigned uid,
		  struct error *err)
{
	char comm[64], why[256], cause[256];

	proc_comm(pid, pid, comm, sizeof(comm));
	if (own)
		snprintf(why, sizeof(why), "%s says own-processes = trusted",
			 TRUST_POLICY);
	else
		snprintf(why, sizeof(why),
			 "it belongs to another user (uid %u; suture runs as "
			 "uid %u), and for other users' processes the policy "
			 "(%s) requires a trusted signature",
			 uid, (unsigned)getuid(), TRUST_POLICY);
	if (!p->signer)
		snprintf(cause, sizeof(cause), "is unsigned");
	else
		snprintf(cause, sizeof(cause),
			 "is signed by an unknown key, %s (%s)", p->signer->fpr,
			 p->signer->name);
	return error_set(err, -EPERM,
			 "refused: patch '%s' %s, and process %d (%s) needs a "
			 "signature by a trusted key: %s.  Sign it with a "
			 "trusted key (suture sign FILE --key KEY), or, if "
			 "you trust its signer, install the signer's .pub "
			 "file in %s (root's, not group/other writable)",
			 p->name, cause, pid, comm, why, TRUST_KEYS_DIR);
}

int policy_check(const struct policy *pol, const struct patch *p, pid_t pid,
		 bool *trusted, struct error *err)
{
	unsigned uid = 0;
	bool own = false;
	int ret;

	*trusted = policy_trusts(pol, p->signer);
	if ((ret = own_process(pid, &own, &uid, err)))
		return ret;
	if ((own ? pol->own : pol->other) == POLICY_ANY || *trusted)
		return 0;
	return refuse(p, pid, own, uid, err);
}
