/*
 * dwreport.h - the modules of a process, reported to libdwfl from the map
 * the caller read.
 *
 * dwfl_linux_proc_report() reads /proc/PID/maps again (through stdio,
 * 1 KiB a read) and /proc/PID/auxv to find the vdso: the map the command
 * already holds says the same.  The modules are the ones that function
 * reports, by the same rules: each run of lines of one file (device and
 * inode) is a module from its first start to its last end, lines of no
 * file in between left out; the vdso is "[vdso: PID]", which
 * dwfl_linux_proc_find_elf reads from the process's memory.
 */
#ifndef SUTURE_PROCESS_DWREPORT_H
#define SUTURE_PROCESS_DWREPORT_H

#include <elfutils/libdwfl.h>

#include "process/proc.h"

/*
 * dwreport_maps - report the modules of @maps (process @pid's) to @dwfl,
 * between dwfl_report_begin and dwfl_report_end.  0, or -1 if libdwfl
 * refused one (dwfl_errmsg says why).
 */
int dwreport_maps(Dwfl *dwfl, pid_t pid, const struct proc_maps *maps);

#endif
