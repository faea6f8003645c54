/* status.c - the applied patches of a process, read without stopping it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "apply/status.h"

/* Refuse what cannot carry patches: no such PID, a zombie. */
static int check_pid(pid_t pid, struct error *err)
{
	char path[64], buf[512], *p, state = '?';
	FILE *f;
	size_t n;

	if (pid <= 0)
		return error_set(err, -EINVAL, "%d is not a valid process ID",
				 pid);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (!(f = fopen(path, "r")))
		return error_set(err, -ESRCH, "no process with PID %d", pid);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')))
		sscanf(p + 1, " %c", &state);
	if (state == 'Z' || state == 'X')
		return error_set(err, -ESRCH,
				 "process %d is a zombie: it has exited", pid);
	return 0;
}

int status_open(pid_t pid, struct state *st, struct rmem *mem,
		struct error *err)
{
	struct proc_maps maps = {0};
	int r;

	memset(st, 0, sizeof(*st));
	mem->fd = -1;
	if ((r = check_pid(pid, err)) ||
	    (r = rmem_open(mem, pid, false, err)) ||
	    (r = proc_maps_read(pid, &maps, err)))
		goto out;
	r = state_read(&maps, mem, st, err);
out:
	proc_maps_free(&maps);
	if (r)
		rmem_close(mem);
	return r;
}

int status_read(pid_t pid, struct state *st, struct error *err)
{
	struct rmem mem;
	int r;

	if (!(r = status_open(pid, st, &mem, err)))
		rmem_close(&mem);
	return r;
}
