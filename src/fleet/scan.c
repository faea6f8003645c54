/*
 * scan.c - walking /proc for the modules every process maps (scan.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "process/proc.h"
#include "fleet/codemaps.h"
#include "fleet/scan.h"
#include "util/buildid.h"
#include "util/xalloc.h"

/* A mapped file's build-id, read once per walk. */
struct idfile {
	uint64_t dev, ino;
	unsigned char id[BUILD_ID_MAX];
	size_t len;  /* 0: none, or unreadable */
	bool opened; /* false: the file could not be opened */
};

struct walk {
	struct idfile *files;
	size_t nfiles, cap;
	unsigned flags;
	bool no_query; /* the kernel has no PROCMAP_QUERY (codemaps.h) */
	struct fleet_stats st;
};

/* Read the build-id of @m's file into @f (len 0 if it has none). */
static void read_id(pid_t pid, const struct proc_map *m, struct idfile *f)
{
	int fd = proc_map_open(pid, m), len;

	f->len = 0;
	if (!(f->opened = fd >= 0))
		return;
	len = buildid_read_fd(fd, f->id);
	f->len = len > 0 ? (size_t)len : 0;
	close(fd);
}

/* The walk's entry for the file of device @dev and inode @ino, or NULL. */
static struct idfile *cached(const struct walk *w, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < w->nfiles; i++)
		if (w->files[i].ino == ino && w->files[i].dev == dev)
			return &w->files[i];
	return NULL;
}

/* The build-id of @m's file, from the walk's cache or read now. */
static const struct idfile *file_id(struct walk *w, pid_t pid,
				    const struct proc_map *m)
{
	struct idfile *f;

	if ((f = cached(w, m->dev, m->inode)))
		return f;
	XGROW(w->files, w->cap, w->nfiles);
	f = &w->files[w->nfiles++];
	f->dev = m->dev;
	f->ino = m->inode;
	read_id(pid, m, f);
	w->st.files++;
	w->st.unknown_files += !f->len;
	return f;
}

/* Whether @m maps a file that may be a module: a regular file. */
static bool module_file(const struct proc_map *m)
{
	return m->inode && m->path[0] == '/' && strncmp(m->path, "/dev/", 5) &&
	       strncmp(m->path, "/memfd:", 7);
}

/* Whether @m starts a mapped file that may be a module: its first page
 * (where the ELF header is) of a regular file. */
static bool module_start(const struct proc_map *m)
{
	return !m->offset && module_file(m);
}

/* Whether @maps maps @m's file executable somewhere: runs code of it. */
static bool maps_code(const struct proc_maps *maps, const struct proc_map *m)
{
	for (size_t i = 0; i < maps->n; i++)
		if ((maps->v[i].prot & PROT_EXEC) &&
		    maps->v[i].inode == m->inode && maps->v[i].dev == m->dev)
			return true;
	return false;
}

/* Add @m's file to @p's modules if it has a build-id: @id (@len bytes)
 * if the kernel gave it, else read (once a walk). */
static void add_module(struct walk *w, struct fleet_proc *p,
		       struct fleet_module *mods, const struct proc_map *m,
		       const unsigned char *id, size_t len)
{
	const struct idfile *f;

	if (!len) {
		if (!(f = file_id(w, p->pid, m))->opened)
			p->unread = m->path;
		id = f->id;
		len = f->len;
	}
	if (!len)
		return;
	mods[p->nmods].path = m->path;
	memcpy(mods[p->nmods].id, id, len);
	mods[p->nmods].id_len = len;
	proc_path_len(m->path, &mods[p->nmods++].deleted);
}

/* The modules and patch regions of @maps into @p (@mods has room). */
static void collect(struct walk *w, pid_t pid, const struct proc_maps *maps,
		    struct fleet_proc *p, struct fleet_module *mods)
{
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->mods = mods;
	for (size_t i = 0; i < maps->n; i++) {
		const struct proc_map *m = &maps->v[i];

		if (!m->offset && !strncmp(m->path, "/memfd:suture:", 14))
			p->nregions++;
		if ((w->flags & FLEET_REGIONS_ONLY) || !module_start(m) ||
		    ((w->flags & FLEET_CODE_ONLY) && !maps_code(maps, m)))
			continue;
		add_module(w, p, mods, m, NULL, 0);
	}
}

/* Whether @v[@i] maps a file an earlier one maps. */
static bool seen_file(const struct codemap *v, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (v[k].m.inode == v[i].m.inode && v[k].m.dev == v[i].m.dev)
			return true;
	return false;
}

/* The walk's build-id of @c's file, if it has one (codemaps.h). */
static bool known_id(void *arg, struct codemap *c)
{
	const struct idfile *f = cached(arg, c->m.dev, c->m.inode);

	if (!f || !f->len)
		return false;
	memcpy(c->id, f->id, f->len);
	c->id_len = f->len;
	return true;
}

/* Keep the build-id the kernel gave for @c's file, for the walk's next
 * processes (file_id's cache: the same file, the same id). */
static void keep_id(struct walk *w, const struct codemap *c)
{
	struct idfile *f;

	if (cached(w, c->m.dev, c->m.inode))
		return;
	XGROW(w->files, w->cap, w->nfiles);
	f = &w->files[w->nfiles++];
	*f = (struct idfile){.dev = c->m.dev,
			     .ino = c->m.inode,
			     .len = c->id_len,
			     .opened = true};
	memcpy(f->id, c->id, c->id_len);
}

/* FLEET_CODE_ONLY by the kernel's query: the files @pid maps executable,
 * each once, into @p (patch regions not counted). */
static int visit_code(struct walk *w, pid_t pid,
		      void (*visit)(const struct fleet_proc *, void *),
		      void *arg)
{
	const struct codemap_known known = {known_id, w};
	struct fleet_module *mods;
	struct fleet_proc p = {.pid = pid};
	struct codemap *v;
	size_t n;
	int r;

	/* nothing known yet: one query a mapping, with its build-id */
	if ((r = codemaps_read(pid, w->nfiles ? &known : NULL, &v, &n)))
		return r;
	w->st.procs++;
	p.mods = mods = xcalloc(n + 1, sizeof(*mods));
	for (size_t i = 0; i < n; i++) {
		if (v[i].id_len)
			keep_id(w, &v[i]);
		if (module_file(&v[i].m) && !seen_file(v, i))
			add_module(w, &p, mods, &v[i].m, v[i].id, v[i].id_len);
	}
	visit(&p, arg);
	free(mods);
	codemaps_free(v, n);
	return 0;
}

/* Read @pid and call @visit, unless its map cannot be read (gone since
 * listed, a kernel thread, another user's: nothing to see). */
static void visit_pid(struct walk *w, pid_t pid,
		      void (*visit)(const struct fleet_proc *, void *),
		      void *arg)
{
	struct proc_maps maps = {0};
	struct error quiet = {""};
	struct fleet_module *mods;
	struct fleet_proc p;
	int r = 0;

	/* The query is a shortcut: if it fails, the maps say what is there,
	 * unless the map could not be opened at all (the process is gone,
	 * or not ours to read: reading it would fail the same way). */
	if ((w->flags & FLEET_CODE_ONLY) && !w->no_query) {
		if (!(r = visit_code(w, pid, visit, arg)))
			return;
		w->no_query = r == -ENOTTY; /* before Linux 6.11 */
	}
	if (r != -ENOENT && r != -ESRCH && r != -EACCES && r != -EPERM)
		r = proc_maps_read_brief(pid, &maps, &quiet);
	if (r) {
		w->st.unreadable += r == -EACCES || r == -EPERM;
		return;
	}
	w->st.procs++;
	mods = xcalloc(maps.n, sizeof(*mods));
	collect(w, pid, &maps, &p, mods);
	visit(&p, arg);
	free(mods);
	proc_maps_free(&maps);
}

static int by_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* The PIDs in /proc, sorted, without the caller's; NULL if unlistable. */
static pid_t *list_pids(size_t *n)
{
	DIR *d = opendir("/proc");
	pid_t *v = NULL;
	struct dirent *de;
	size_t cap = 0;

	*n = 0;
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]) ||
		    atoi(de->d_name) == getpid())
			continue;
		XGROW(v, cap, *n);
		v[(*n)++] = atoi(de->d_name);
	}
	closedir(d);
	qsort(v, *n, sizeof(*v), by_pid);
	return v ? v : xcalloc(1, sizeof(*v));
}

/* Visit @pids in order, one file cache for all; the walk's counts. */
static struct fleet_stats
walk_pids(const pid_t *pids, size_t n, unsigned flags,
	  void (*visit)(const struct fleet_proc *, void *), void *arg)
{
	struct walk w = {.flags = flags};

	for (size_t i = 0; i < n; i++)
		visit_pid(&w, pids[i], visit, arg);
	free(w.files);
	return w.st;
}

int fleet_scan(void (*visit)(const struct fleet_proc *p, void *arg), void *arg,
	       unsigned flags, struct fleet_stats *st, struct error *err)
{
	size_t n;
	pid_t *pids = list_pids(&n);

	if (!pids)
		return error_set(err, -errno, "cannot list /proc: %s",
				 strerror(errno));
	*st = walk_pids(pids, n, flags, visit, arg);
	free(pids);
	return 0;
}

void fleet_scan_pids(const pid_t *pids, size_t n, unsigned flags,
		     void (*visit)(const struct fleet_proc *, void *),
		     void *arg)
{
	walk_pids(pids, n, flags, visit, arg);
}

const struct fleet_module *fleet_maps_id(const struct fleet_proc *p,
					 const unsigned char *id, size_t len)
{
	for (size_t i = 0; i < p->nmods; i++)
		if (p->mods[i].id_len == len && !memcmp(p->mods[i].id, id, len))
			return &p->mods[i];
	return NULL;
}
