/* dwreport.c - the modules of a map, reported to libdwfl (dwreport.h). */
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "process/dwreport.h"

/* Whether @m maps a file: a path, and an inode or a device (the test
 * dwfl_linux_proc_report makes). */
static bool file_line(const struct proc_map *m)
{
	return m->path[0] == '/' &&
	       (m->inode || major(m->dev) || minor(m->dev));
}

/* Report [@lo, @hi) as module @name; -1 if libdwfl refused it. */
static int report(Dwfl *dwfl, const char *name, uint64_t lo, uint64_t hi)
{
	return dwfl_report_module(dwfl, name, lo, hi) ? 0 : -1;
}

/* Report the vdso at @m under the name dwfl_linux_proc_find_elf reads
 * from process @pid's memory. */
static int report_vdso(Dwfl *dwfl, pid_t pid, const struct proc_map *m)
{
	char name[32];

	snprintf(name, sizeof(name), "[vdso: %d]", (int)pid);
	return report(dwfl, name, m->start, m->end);
}

int dwreport_maps(Dwfl *dwfl, pid_t pid, const struct proc_maps *maps)
{
	const struct proc_map *first = NULL; /* of the run being gathered */
	uint64_t hi = 0;

	for (size_t i = 0; i < maps->n; i++) {
		const struct proc_map *m = &maps->v[i];
		bool vdso = !strcmp(m->path, "[vdso]");

		if (!vdso && !file_line(m))
			continue;
		if (first && !vdso && m->inode == first->inode &&
		    m->dev == first->dev && !strcmp(m->path, first->path)) {
			hi = m->end;
			continue;
		}
		if (first && report(dwfl, first->path, first->start, hi))
			return -1;
		first = NULL;
		if (vdso && report_vdso(dwfl, pid, m))
			return -1;
		if (!vdso) {
			first = m;
			hi = m->end;
		}
	}
	return first ? report(dwfl, first->path, first->start, hi) : 0;
}
