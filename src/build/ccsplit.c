/*
 * ccsplit.c - compile-and-link calls (cc -O2 -o prog a.c b.c) made into
 * separate compiles and a link.
 *
 * `suture build` compares object files, and such a call leaves none: the
 * driver compiles into temporary files and deletes them.  The wrapper
 * therefore compiles each source itself, with the same options minus the
 * linker's, into .suture-N-NAME.o in the working directory (inside the
 * scratch tree, at the same path in both trees so the objects pair up),
 * and then links those objects.  GCC and Clang compile the sources of such
 * a call one by one anyway, so the code is the code the user's build made.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build/cachedeps.h"
#include "build/cclog.h"
#include "build/ccwrap.h"
#include "util/xalloc.h"

/* Options that only the link uses; the second table takes an argument. */
static const char *const link_prefixes[] = {"-l", "-L", "-Wl,", "-Xlinker"};
static const char *const link_flags[] = {"-shared", "-static", "-rdynamic",
					 "-pie",    "-no-pie", "-static-pie"};
static const char *const link_arg_options[] = {"-o", "-Xlinker", "-T",
					       "-u", "-e",	 "-z"};
/* Options that make the call something other than a compile-and-link, or
 * whose effect on operand order we do not model. */
static const char *const no_split_options[] = {"-c",  "-S", "-E", "-M",
					       "-MM", "-x", "-"};

static bool ccsplit_link_only(const char *a)
{
	for (size_t i = 0; i < CCLOG_LEN(link_prefixes); i++)
		if (!strncmp(a, link_prefixes[i], strlen(link_prefixes[i])))
			return true;
	return cclog_in_list(a, link_flags, CCLOG_LEN(link_flags));
}

bool ccsplit_wanted(int argc, char **argv)
{
	bool sources = false;

	for (int i = 1; i < argc; i++) {
		if (cclog_in_list(argv[i], no_split_options,
				  CCLOG_LEN(no_split_options)))
			return false;
		sources = sources || cclog_is_source(argv[i]);
	}
	return sources;
}

/* The compile command for source @src into @obj: the call's options
 * without the link's, without other operands. */
static char **ccsplit_compile_args(int argc, char **argv, const char *src,
				   const char *obj, int *n)
{
	char **args = xcalloc(argc + 6, sizeof(*args));

	*n = 0;
	args[(*n)++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (cclog_in_list(a, link_arg_options,
				  CCLOG_LEN(link_arg_options))) {
			i++;
			continue;
		}
		if (a[0] != '-' || ccsplit_link_only(a))
			continue; /* operands and link options */
		args[(*n)++] = argv[i];
		if (cclog_takes_arg(a) && i + 1 < argc)
			args[(*n)++] = argv[++i]; /* -I dir, -D X, ... */
	}
	args[(*n)++] = "-c";
	args[(*n)++] = (char *)src;
	args[(*n)++] = "-o";
	args[(*n)++] = (char *)obj;
	args[*n] = NULL;
	return args;
}

/* Run the real compiler on @args (as the wrapper would) and wait. */
static int ccsplit_run(const char *real, int n, char **args,
		       const char *log_path)
{
	char **real_args;
	int status;
	pid_t pid;

	if (ccwrap_log(log_path, real, n, args, NULL))
		return CCWRAP_FAILED;
	real_args = ccwrap_args(real, n, args);
	cachedeps_compile(real, real_args, log_path);
	pid = fork();
	if (pid == 0) {
		execv(real, real_args);
		_exit(CCWRAP_FAILED);
	}
	free(real_args);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return CCWRAP_FAILED;
	return WIFEXITED(status) ? WEXITSTATUS(status) : CCWRAP_FAILED;
}

/* .suture-N-NAME.o for source @src. */
static char *ccsplit_object(const char *src, int n)
{
	char *stem = cclog_stem(src),
	     *obj = xasprintf(".suture-%d-%s.o", n, stem);

	free(stem);
	return obj;
}

int ccsplit_compile(const char *real, int *argc, char ***argv,
		    const char *log_path)
{
	char **link = xcalloc(*argc + 1, sizeof(*link));
	int nsrc = 0;

	for (int i = 0; i < *argc; i++) {
		char **args, *obj;
		int n, ret;

		link[i] = (*argv)[i];
		if (i == 0 || !cclog_is_source((*argv)[i]) ||
		    cclog_takes_arg((*argv)[i - 1]))
			continue;
		obj = ccsplit_object((*argv)[i], nsrc++);
		args = ccsplit_compile_args(*argc, *argv, (*argv)[i], obj, &n);
		ret = ccsplit_run(real, n, args, log_path);
		free(args);
		if (ret)
			return ret;
		link[i] = obj;
	}
	*argv = link;
	return 0;
}
