/* storepolicy.c - the trust rule for enabled patches (see storepolicy.h). */
#include <errno.h>

#include "persist/storepolicy.h"
#include "trust/confdir.h"
#include "trust/sigblock.h"

int persist_policy_check(const struct policy *pol, const struct patch *p,
			 bool *trusted, struct error *err)
{
	*trusted = policy_trusts(pol, p->signer);
	if (pol->other == POLICY_ANY || *trusted)
		return 0;
	return error_set(
	    err, -EPERM,
	    "refused: patch '%s' %s%s%s%s%s, and an enabled patch goes into "
	    "every process started from its build, other users' included, "
	    "for which the policy (%s) requires a trusted signature.  Sign "
	    "it with a trusted key (suture sign FILE --key KEY), or, if you "
	    "trust its signer, install the signer's .pub file in %s",
	    p->name,
	    p->signer ? "is signed by an unknown key, " : "is unsigned",
	    p->signer ? p->signer->fpr : "", p->signer ? " (" : "",
	    p->signer ? p->signer->name : "", p->signer ? ")" : "",
	    TRUST_POLICY, TRUST_KEYS_DIR);
}
