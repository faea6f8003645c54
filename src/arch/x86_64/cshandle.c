/* cshandle.c - the Capstone handles of one suture process (cshandle.h). */
#include <errno.h>

#include "arch/x86_64/cshandle.h"

int x86_cs(bool detail, bool att, csh *h)
{
	/* Mutable global state, like util/phase.c: a handle outlives every
	 * caller, and there is no context that all of them share. */
	static csh open[2][2];
	csh *slot = &open[detail][att];

	if (!*slot) {
		if (cs_open(CS_ARCH_X86, CS_MODE_64, slot) != CS_ERR_OK) {
			*slot = 0;
			return -ENOMEM;
		}
		if (att)
			cs_option(*slot, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
		if (detail)
			cs_option(*slot, CS_OPT_DETAIL, CS_OPT_ON);
	}
	*h = *slot;
	return 0;
}
