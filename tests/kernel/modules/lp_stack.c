/* lp_stack.c - test livepatch 'stack' (lp.h); replace = false. */
#define LP_TEXT "suture lp_stack"
#define LP_REPLACE false
#include "lp.h"
