/*
 * proc.h - what /proc says about a target process: whether suture may patch
 * it at all, its memory map and its threads.  Nothing here stops or changes
 * the process.
 */
#ifndef SUTURE_PROCESS_PROC_H
#define SUTURE_PROCESS_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

/* One line of /proc/PID/maps. */
struct proc_map {
	uint64_t start, end; /* [start, end) */
	uint64_t offset;     /* file offset of start */
	int prot;	     /* PROT_READ | PROT_WRITE | PROT_EXEC */
	bool shared;	     /* 's' rather than 'p' */
	uint64_t dev;	     /* makedev(major, minor) */
	uint64_t inode;	     /* 0 for anonymous memory */
	char *path; /* "" if anonymous; "[stack]", "/memfd:x (deleted)" */
};

/* The whole map, sorted by address as the kernel lists it. */
struct proc_maps {
	struct proc_map *v;
	size_t n, cap;
};

/*
 * proc_check_target - refuse PIDs suture must not or cannot patch: missing,
 * a thread rather than a process, a zombie, suture itself, a kernel thread,
 * or already traced (the message names the tracer).  Returns 0 if @pid looks
 * patchable; ptrace permission is only known when attaching.  -EAGAIN if the
 * tracer is another suture: the caller may wait for it to finish.
 */
int proc_check_target(pid_t pid, struct error *err);

/*
 * proc_check_thread - 0, or the refusal (as proc_check_target's) if thread
 * @tid of @pid is traced by another process: another suture, a debugger.
 */
int proc_check_thread(pid_t pid, pid_t tid, struct error *err);

/* proc_gone - whether @pid has exited (no longer there, or a zombie). */
bool proc_gone(pid_t pid);

/* proc_comm - the command name of thread @tid of @pid ("?" if gone) into
 * @buf of @len bytes.  Returns @buf. */
char *proc_comm(pid_t pid, pid_t tid, char *buf, size_t len);

/*
 * proc_maps_read - parse /proc/PID/maps into @m (which must be zeroed or
 * freed).  Release with proc_maps_free.
 */
int proc_maps_read(pid_t pid, struct proc_maps *m, struct error *err);

/*
 * proc_maps_read_brief - the same, but a map it may not read fails with a
 * short sentence, not proc_deny()'s explanation: for walks that skip such
 * processes, which would pay four reads of /proc per process for a
 * sentence nobody prints.
 */
int proc_maps_read_brief(pid_t pid, struct proc_maps *m, struct error *err);
void proc_maps_free(struct proc_maps *m);

/* proc_maps_find - the mapping containing @addr, or NULL. */
const struct proc_map *proc_maps_find(const struct proc_maps *m, uint64_t addr);

/*
 * proc_path_len - the length of @path (a mapped file's or /proc/PID/exe's)
 * without the " (deleted)" the kernel appends once that file was unlinked
 * or replaced on disk (an upgrade); *@deleted, if not NULL, whether it had
 * one.  The process still runs that file's code: its name is the path's.
 */
size_t proc_path_len(const char *path, bool *deleted);

/*
 * proc_map_open - open the file behind mapping @m of @pid, read-only: the
 * mapped inode itself (/proc/PID/map_files, which needs CAP_SYS_ADMIN),
 * else the path in the process's root if that is still the same inode.
 * -1 with errno set otherwise (ESTALE: the path now holds another file,
 * the package was upgraded: not the code the process runs).
 */
int proc_map_open(pid_t pid, const struct proc_map *m);

/*
 * proc_tasks - the thread IDs of @pid now, in a new array *tids of *n
 * entries (caller frees).  A thread may exit right after it is listed.
 */
int proc_tasks(pid_t pid, pid_t **tids, size_t *n, struct error *err);

/* proc_uids - the real, effective, saved and file-system user IDs of
 * process @pid (the Uid line of its status) into @uid; 0, -EINVAL if the
 * line is missing, or the negative errno of the read. */
int proc_uids(pid_t pid, unsigned uid[4]);

/* proc_parent - the parent of process @pid, or 0 if unknown (gone, or
 * outside suture's PID namespace). */
pid_t proc_parent(pid_t pid);

/* proc_thread_count - how many threads @pid has now, or -1. */
long proc_thread_count(pid_t pid);

/* proc_start_stack - where the stack of @pid's main thread started, at
 * its exec (the address of argc: its first frame is just below), or 0 if
 * not known. */
uint64_t proc_start_stack(pid_t pid);

/* proc_anon_pages - the pages of anonymous memory process @pid has
 * resident (statm's resident less its file and shared pages), -1 if
 * unknown. */
long proc_anon_pages(pid_t pid);

/* proc_thread_cpu - the CPU thread @tid of @pid last ran on, or -1. */
int proc_thread_cpu(pid_t pid, pid_t tid);

/* proc_thread_place - the state letter of thread @tid of @pid (as
 * proc_thread_state, 0 if gone) and, in *@cpu, the CPU it last ran on
 * (-1 if not known), from one read. */
char proc_thread_place(pid_t pid, pid_t tid, int *cpu);

/* proc_thread_runs_on - the CPU thread @tid of @pid runs or waits to run
 * on, or -1 if it is not runnable (asleep, stopped) or gone. */
int proc_thread_runs_on(pid_t pid, pid_t tid);

/* proc_thread_state - the state letter of thread @tid of @pid ('R', 'S',
 * 'D', ...), or 0. */
char proc_thread_state(pid_t pid, pid_t tid);

/* proc_thread_wchan - the kernel function thread @tid of @pid waits in
 * (/proc/PID/task/TID/wchan), "unknown" if the kernel does not say; into
 * @buf of @len bytes. */
char *proc_thread_wchan(pid_t pid, pid_t tid, char *buf, size_t len);

/*
 * proc_thread_signals - the signals thread @tid of @pid blocks and those it
 * has handlers for (bit N-1 for signal N), from its status file.  0, or a
 * negative errno.
 */
int proc_thread_signals(pid_t pid, pid_t tid, uint64_t *blocked,
			uint64_t *caught);

/* What the status file of a thread says of its signals (as above) and its
 * seccomp mode (0 none, 1 strict, 2 filters), read in one pass: inside a
 * stop, each read of the file costs some 10-20 µs. */
struct proc_thread_status {
	uint64_t blocked, caught;
	int seccomp;
};
int proc_thread_status(pid_t pid, pid_t tid, struct proc_thread_status *st);

/* The same of a status file opened before (proc_thread_status_open: a
 * descriptor or a negative errno), read again from its start: in a stop,
 * the open and the path's lookup are a third of the read. */
int proc_thread_status_open(pid_t pid, pid_t tid);
int proc_thread_status_at(int fd, struct proc_thread_status *st);

/*
 * proc_quiet_thread - a thread of @pid asleep in a system call, which a
 * short stop delays in no way the program can see (the call restarts);
 * the main thread if none is.
 */
pid_t proc_quiet_thread(pid_t pid);

/*
 * proc_deny - record the sentence for a permission failure (@code, a
 * negative errno) while trying to @what ("trace", "read the memory of")
 * process @pid, shared by everything that touches the target.  Returns
 * @code.
 */
int proc_deny(pid_t pid, int code, const char *what, struct error *err);

#endif
