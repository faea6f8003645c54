/* lp_replace.c - test livepatch 'replace' (lp.h); replace = true. */
#define LP_TEXT "suture lp_replace"
#define LP_REPLACE true
#include "lp.h"
