/* perfheal.c - map files for processes that inherited patches
 * (perfheal.h). */
#include <dirent.h>
#include <stdio.h>

#include "apply/perfmap.h"
#include "apply/status.h"
#include "cli/perfheal.h"

/* How deep below a patched process children are looked for: a server's
 * master, its workers, what they fork. */
#define HEAL_DEPTH 8

void perfheal_one(pid_t pid, const struct state *st)
{
	struct error err = {""};

	if (perfmap_fill(pid, st, &err) < 0)
		fprintf(stderr, "suture: note: %s\n", err.msg);
}

/* Fill @pid's map if it runs patches and the caller may read them. */
static void heal_pid(pid_t pid)
{
	struct error quiet = {""};
	struct state st;

	if (status_read(pid, &st, &quiet) < 0)
		return;
	perfheal_one(pid, &st);
	state_free(&st);
}

/* The children of every thread of @pid (each thread's
 * /proc/PID/task/TID/children), and theirs, down to HEAL_DEPTH. */
static void heal_below(pid_t pid, int depth)
{
	char path[96];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if (depth >= HEAL_DEPTH || !(d = opendir(path)))
		return;
	while ((de = readdir(d))) {
		FILE *f;
		int child;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.20s/children",
			 (int)pid, de->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		while (fscanf(f, "%d", &child) == 1) {
			heal_pid(child);
			heal_below(child, depth + 1);
		}
		fclose(f);
	}
	closedir(d);
}

void perfheal_children(const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		heal_below(pids[i], 0);
}
