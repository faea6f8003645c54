/*
 * policy.h - whether a patch may go into a process, by who signed it.
 *
 * TRUST_POLICY (confdir.h) holds lines "SETTING = RULE" ('#' starts a
 * comment):
 *
 *   own-processes = any       processes whose every user ID is the
 *                             caller's (real and effective, who must be
 *                             one user): default any
 *   other-users   = trusted   every other process, root's own included
 *                             when the caller is not root: default trusted
 *
 * RULE `any` takes unsigned patches and patches signed by any key (a
 * signature that does not verify is refused by the reader, always);
 * `trusted` takes only patches signed by a key of TRUST_KEYS_DIR.  Only
 * this file and those keys decide: no environment variable or option can
 * loosen the policy, so `sudo -E` or a user's shell settings cannot.
 */
#ifndef SUTURE_TRUST_POLICY_H
#define SUTURE_TRUST_POLICY_H

#include <stdbool.h>
#include <sys/types.h>

#include "patchfile/patch.h"
#include "trust/keys.h"
#include "util/error.h"

enum policy_rule { POLICY_ANY, POLICY_TRUSTED };

struct policy {
	enum policy_rule own, other;
	struct key *keys; /* the trusted keys */
	size_t nkeys;
};

/* policy_load - read the policy and trusted keys; release with
 * policy_free. */
int policy_load(struct policy *pol, struct error *err);
void policy_free(struct policy *pol);

struct patch_signer;

/* policy_trusts - whether @s (NULL: unsigned) is a trusted key. */
bool policy_trusts(const struct policy *pol, const struct patch_signer *s);

/*
 * policy_check - whether @p may be applied to process @pid.  -EPERM with
 * a message naming the cause (unsigned, or the unknown key's fingerprint),
 * the rule that applies and what to do.  *trusted tells whether @p's
 * signer is a trusted key.
 */
int policy_check(const struct policy *pol, const struct patch *p, pid_t pid,
		 bool *trusted, struct error *err);

#endif
