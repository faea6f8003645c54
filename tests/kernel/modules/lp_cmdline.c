/* lp_cmdline.c - test livepatch 'cmdline' of /proc/cmdline (lp_text.h). */
#define LP_TEXT "suture lp_cmdline"
#define LP_REPLACE false
#include "lp_text.h"
