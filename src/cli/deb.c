/*
 * deb.c - `suture deb ...`: a patch for a binary or library that a Debian
 * package installed, from Debian's source package (README, "suture deb").
 *
 * The work is fetching, debootstrap, apt-get and dpkg-buildpackage, glued
 * by a shell script, suture-deb; this command runs it with this suture
 * binary for its `suture build`.  The script is $SUTURE_DEB if set (a
 * copy of the binary elsewhere, as the tests run), else looked for where
 * the program is: ../scripts/ in the source tree (build/suture), else
 * ../lib/suture/ (make install).  Returns the script's exit status, or 1
 * with a message when it cannot be run.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"

static const char *const script_dirs[] = {"../scripts", "../lib/suture"};

/* Run @script with @argv; returns only on failure. */
static int run_script(char *script, char **argv)
{
	argv[0] = script;
	execv(script, argv);
	fprintf(stderr, "suture deb: cannot run %s: %s\n", script,
		strerror(errno));
	return 1;
}

int cmd_deb(int argc, char **argv)
{
	char self[PATH_MAX], script[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *given = getenv("SUTURE_DEB");

	if (n < 0) {
		perror("suture deb: /proc/self/exe");
		return 1;
	}
	self[n] = '\0';
	setenv("SUTURE", self, 1);
	if (given && *given)
		return run_script(given, argv);
	for (size_t i = 0; i < sizeof(script_dirs) / sizeof(*script_dirs);
	     i++) {
		snprintf(script, sizeof(script), "%s/%s/suture-deb",
			 dirname(strdupa(self)), script_dirs[i]);
		if (access(script, X_OK) == 0)
			return run_script(script, argv);
	}
	fprintf(stderr,
		"suture deb: suture-deb is neither in ../scripts nor in "
		"../lib/suture next to %s: reinstall suture (make install)\n",
		self);
	return 1;
}
