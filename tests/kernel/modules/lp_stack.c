/* lp_stack.c - test livepatch 'stack' of /proc/cmdline (lp_text.h). */
#define LP_TEXT "suture lp_stack"
#define LP_REPLACE false
#include "lp_text.h"
