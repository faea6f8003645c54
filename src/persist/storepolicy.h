/*
 * storepolicy.h - the trust rule for enabled patches (store.h).  An
 * enabled patch goes into every process later started from its target
 * build, whoever runs it, so it must pass what the policy (trust/policy.h)
 * asks of a patch for other users' processes: `other-users`, by default a
 * signature by a trusted key.  `suture enable` checks it before storing,
 * and `apply --enabled` again (with the process's own rule) before each
 * apply, since the policy or the keys may have changed since.
 */
#ifndef SUTURE_PERSIST_STOREPOLICY_H
#define SUTURE_PERSIST_STOREPOLICY_H

#include <stdbool.h>

#include "trust/policy.h"

/* persist_policy_check - 0 if @p may be enabled; -EPERM with the cause and
 * what to do otherwise.  *trusted: whether its signer is a trusted key. */
int persist_policy_check(const struct policy *pol, const struct patch *p,
			 bool *trusted, struct error *err);

#endif
