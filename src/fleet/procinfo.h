/*
 * procinfo.h - what chooses a process as a target besides its modules:
 * the program it was started from and its systemd unit (cgroup).  Read
 * from /proc; nothing is stopped.
 */
#ifndef SUTURE_FLEET_PROCINFO_H
#define SUTURE_FLEET_PROCINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * procinfo_exe - the path of the program @pid was started from into @buf
 * (@len bytes), without the " (deleted)" the kernel adds once a package
 * upgrade replaced it, so that the old processes of /usr/sbin/nginx are
 * still nginx's.  NULL if it cannot be read (another user's process).
 */
char *procinfo_exe(pid_t pid, char *buf, size_t len);

/*
 * procinfo_in_unit - whether @pid belongs to the systemd unit @unit
 * ("nginx.service"): a component of its cgroup path (cgroup v2, or the
 * name=systemd hierarchy of v1) is @unit, so the unit's own group and the
 * groups below it (a service's sub-groups) count.
 */
bool procinfo_in_unit(pid_t pid, const char *unit);

#endif
