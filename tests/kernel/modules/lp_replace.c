/* lp_replace.c - test livepatch 'replace' of /proc/cmdline (lp_text.h). */
#define LP_TEXT "suture lp_replace"
#define LP_REPLACE true
#include "lp_text.h"
