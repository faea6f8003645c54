/* procinfo.c - a process's program and unit (procinfo.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleet/procinfo.h"
#include "process/proc.h"

char *procinfo_exe(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if ((n = readlink(path, buf, len - 1)) < 0)
		return NULL;
	buf[n] = '\0';
	buf[proc_path_len(buf, NULL)] = '\0';
	return buf;
}

/* Whether a component of cgroup path @p is @unit. */
static bool path_has(const char *p, const char *unit)
{
	size_t n = strlen(unit);

	for (; (p = strstr(p, unit)); p += n)
		if (p[-1] == '/' && (p[n] == '/' || p[n] == '\0'))
			return true;
	return false;
}

bool procinfo_in_unit(pid_t pid, const char *unit)
{
	char path[64], *line = NULL, *p;
	size_t cap = 0;
	bool in = false;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (!(f = fopen(path, "r")))
		return false;
	while (!in && (n = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		/* "0::/system.slice/x.service", "1:name=systemd:/..." */
		if (!(p = strchr(line, ':')) || !(p = strchr(p + 1, ':')))
			continue;
		if (line[0] == '0' || strstr(line, ":name=systemd:"))
			in = path_has(p + 1, unit);
	}
	free(line);
	fclose(f);
	return in;
}
