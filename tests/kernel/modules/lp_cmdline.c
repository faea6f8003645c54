/* lp_cmdline.c - test livepatch 'cmdline' (lp.h); replace = false. */
#define LP_TEXT "suture lp_cmdline"
#define LP_REPLACE false
#include "lp.h"
