/*
 * spawn.c - fork and exec a helper with its output in a log file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build/spawn.h"
#include "util/file.h"
#include "util/xalloc.h"

/* In the child: redirect, extend the environment, exec.  suture is
 * single-threaded, so putenv() between fork and exec is safe. */
static void spawn_child(char *const *argv, const char *cwd, char *const *env,
			int log_fd, bool group)
{
	int null_fd = open("/dev/null", O_RDONLY);

	if (group)
		setpgid(0, 0);

	if (null_fd >= 0)
		dup2(null_fd, 0);
	dup2(log_fd, 1);
	dup2(log_fd, 2);
	for (size_t i = 0; env && env[i]; i++)
		putenv(env[i]);
	if (chdir(cwd) < 0)
		_exit(126);
	execvp(argv[0], argv);
	_exit(127);
}

static int spawn_fork(char *const *argv, const char *cwd, char *const *env,
		      const char *log_path, bool group, pid_t *pid,
		      struct error *err)
{
	int log_fd;

	log_fd =
	    open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log_fd < 0)
		return error_set(err, -errno, "cannot create %s: %s", log_path,
				 strerror(errno));
	*pid = fork();
	if (*pid < 0) {
		close(log_fd);
		return error_set(err, -errno, "cannot start %s: %s", argv[0],
				 strerror(errno));
	}
	if (*pid == 0)
		spawn_child(argv, cwd, env, log_fd, group);
	if (group) /* as the child does: whichever runs first */
		setpgid(*pid, *pid);
	close(log_fd);
	return 0;
}

int spawn_start(char *const *argv, const char *cwd, char *const *env,
		const char *log_path, pid_t *pid, struct error *err)
{
	return spawn_fork(argv, cwd, env, log_path, false, pid, err);
}

int spawn_start_group(char *const *argv, const char *cwd, char *const *env,
		      const char *log_path, pid_t *pid, struct error *err)
{
	return spawn_fork(argv, cwd, env, log_path, true, pid, err);
}

int spawn_wait(pid_t pid, const char *name, const char *log_path,
	       struct error *err)
{
	int status;
	char *why;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return error_set(err, -errno, "waiting for %s: %s",
					 name, strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		/* the log is in the scratch directory, gone by the time
		 * the message is read: quote it rather than name it */
		why = spawn_log_tail(log_path, 2, 400);
		error_set(err, -ENOENT,
			  "cannot run %s (not found on PATH?)%s%s", name,
			  why[0] ? ": " : "", why);
		free(why);
		return -ENOENT;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int spawn_run(char *const *argv, const char *cwd, char *const *env,
	      const char *log_path, struct error *err)
{
	pid_t pid;
	int ret = spawn_start(argv, cwd, env, log_path, &pid, err);

	return ret ? ret : spawn_wait(pid, argv[0], log_path, err);
}

char *spawn_log_tail(const char *log_path, int lines, size_t max)
{
	unsigned char *buf;
	size_t len, start;
	struct error err = {{0}};
	char *out;

	if (file_read(log_path, &buf, &len, &err))
		return xstrdup("");
	while (len && buf[len - 1] == '\n')
		len--;
	start = len;
	while (start > 0 && lines > 0)
		if (buf[--start] == '\n')
			lines--;
	if (buf[start] == '\n')
		start++;
	if (len - start > max)
		start = len - max;
	out = xasprintf("%.*s", (int)(len - start), buf + start);
	free(buf);
	return out;
}
