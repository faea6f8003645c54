/* diffname.h - a default name from a diff's file name (build, kbuild). */
#ifndef SUTURE_CLI_DIFFNAME_H
#define SUTURE_CLI_DIFFNAME_H

/*
 * cli_diff_name - @diff's base name without its extension, every character
 * not in @allowed replaced by '_'.  The caller frees it.
 */
char *cli_diff_name(const char *diff, const char *allowed);

#endif
