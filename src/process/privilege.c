/* privilege.c - naming what is missing to trace a process (privilege.h). */
#include <linux/capability.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "process/privilege.h"

/* Read "@key: a b c d" of /proc/@pid/status into @v; false if absent. */
static bool status_ids(const char *pid, const char *key, unsigned v[4])
{
	size_t kl = strlen(key);
	char path[64], line[256];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	if (!(f = fopen(path, "re")))
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, key, kl) && line[kl] == ':' &&
			sscanf(line + kl + 1, "%u %u %u %u", &v[0], &v[1],
			       &v[2], &v[3]) == 4;
	fclose(f);
	return found;
}

/* Whether this process holds capability @cap (effective). */
static bool have_cap(int cap)
{
	unsigned long long eff = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	if (f)
		fclose(f);
	return eff >> cap & 1;
}

static int ptrace_scope(void)
{
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	int scope = 0;

	if (f && fscanf(f, "%d", &scope) != 1)
		scope = 0;
	if (f)
		fclose(f);
	return scope;
}

/* Whether any of @v differs from @want. */
static bool differs(const unsigned v[4], unsigned want)
{
	return v[0] != want || v[1] != want || v[2] != want || v[3] != want;
}

/* Without CAP_SYS_PTRACE: the target's owner, group or dumpability. */
static void without_cap(const char *p, pid_t pid, char *buf, size_t size)
{
	unsigned uid[4], gid[4];
	struct passwd *pw;
	char dir[64];
	struct stat st;

	snprintf(dir, sizeof(dir), "/proc/%s", p);
	if (status_ids(p, "Uid", uid) && differs(uid, getuid())) {
		pw = getpwuid(uid[1]);
		snprintf(buf, size,
			 "it belongs to user %s (uid %u) and suture runs as "
			 "uid %u without CAP_SYS_PTRACE: run suture as that "
			 "user, or as a user given CAP_SYS_PTRACE (README: "
			 "Least privilege)",
			 pw ? pw->pw_name : "?", uid[1], (unsigned)getuid());
	} else if (status_ids(p, "Gid", gid) && differs(gid, getgid()))
		snprintf(buf, size,
			 "its group IDs are not suture's (gid %u) and suture "
			 "lacks CAP_SYS_PTRACE: run suture with the target's "
			 "groups, or give it CAP_SYS_PTRACE",
			 (unsigned)getgid());
	else if (stat(dir, &st) == 0 && st.st_uid != getuid())
		snprintf(buf, size,
			 "it is not dumpable (set-user-ID, file capabilities "
			 "or prctl(PR_SET_DUMPABLE, 0)), and tracing such a "
			 "process needs CAP_SYS_PTRACE");
	else
		snprintf(buf, size,
			 "process %d is suture's own user's, yet "
			 "the kernel refuses (a security module?)",
			 pid);
}

/* With CAP_SYS_PTRACE: /proc/PID/mem's own file permission, or else. */
static void with_cap(const char *p, char *buf, size_t size)
{
	unsigned uid[4];

	if (status_ids(p, "Uid", uid) && differs(uid, getuid()) &&
	    !have_cap(CAP_DAC_OVERRIDE))
		snprintf(buf, size,
			 "suture holds CAP_SYS_PTRACE, but the process's "
			 "/proc/PID/mem is mode 0600 of its owner (uid %u) "
			 "and opening it needs CAP_DAC_OVERRIDE too: give "
			 "suture both, or run it as that user (README: Least "
			 "privilege)",
			 uid[1]);
	else
		snprintf(buf, size,
			 "suture holds CAP_SYS_PTRACE, yet the kernel refuses "
			 "(a security module such as AppArmor or SELinux, or "
			 "the process is in another user namespace)");
}

void privilege_missing(pid_t pid, char *buf, size_t size)
{
	bool cap = have_cap(CAP_SYS_PTRACE);
	int scope = ptrace_scope();
	char p[16];

	snprintf(p, sizeof(p), "%d", pid);
	if (scope >= 3)
		snprintf(buf, size,
			 "kernel.yama.ptrace_scope is %d: no process may be "
			 "traced until the next boot",
			 scope);
	else if (!cap && scope >= 1)
		snprintf(buf, size,
			 "kernel.yama.ptrace_scope is %d: only %s may trace "
			 "another process; give suture CAP_SYS_PTRACE, or "
			 "set the sysctl to 0",
			 scope,
			 scope == 1 ? "its parent or a process with "
				      "CAP_SYS_PTRACE"
				    : "a process with CAP_SYS_PTRACE");
	else if (!cap)
		without_cap(p, pid, buf, size);
	else
		with_cap(p, buf, size);
}

bool privilege_sigio_ok(pid_t pid, pid_t tid, char *buf, size_t size)
{
	char task[48];
	unsigned uid[4];

	snprintf(task, sizeof(task), "%d/task/%d", pid, tid);
	if (geteuid() == 0 || !status_ids(task, "Uid", uid) ||
	    uid[0] == geteuid() || uid[2] == geteuid())
		return true;
	snprintf(buf, size,
		 "suture waits for it with a hardware breakpoint whose signal "
		 "the kernel delivers only from root or the process's own "
		 "user (uid %u), and suture runs as uid %u (no capability "
		 "lifts that check): run suture as that user or as root, or "
		 "apply when no thread is inside",
		 uid[0], (unsigned)geteuid());
	return false;
}
