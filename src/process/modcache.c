/* modcache.c - the ELF files of modules, opened once per command (modcache.h).
 */
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "process/modcache.h"
#include "util/xalloc.h"

/* Files kept open when no module uses them: beyond this, those go (a
 * command over processes of many different builds must not run out of
 * file descriptors). */
#define MODCACHE_KEEP 64

static void file_close(struct modcache_file *f)
{
	if (f->elf)
		elf_end(f->elf);
	close(f->fd);
	free(f);
}

/* Whether @f is still the file it was when opened (not written since). */
static bool unchanged(const struct modcache_file *f)
{
	struct stat st;

	return !fstat(f->fd, &st) && st.st_size == f->st.st_size &&
	       st.st_mtim.tv_sec == f->st.st_mtim.tv_sec &&
	       st.st_mtim.tv_nsec == f->st.st_mtim.tv_nsec &&
	       st.st_ctim.tv_sec == f->st.st_ctim.tv_sec &&
	       st.st_ctim.tv_nsec == f->st.st_ctim.tv_nsec;
}

/* Whether the file @f starts as an ELF file does.  Most files a process
 * maps that are no module are data (locale files, caches): four bytes
 * read say so, where libelf would map the file and look up its size. */
static bool elf_magic(const struct modcache_file *f)
{
	unsigned char m[SELFMAG];

	return pread(f->fd, m, sizeof(m), 0) == (ssize_t)sizeof(m) &&
	       !memcmp(m, ELFMAG, SELFMAG);
}

/* Read @f's ELF header and build ID; its elf stays NULL if it is not an
 * ELF file of this architecture. */
static void file_read(struct modcache_file *f)
{
	const void *id;
	GElf_Ehdr eh;
	ssize_t len;

	if (!elf_magic(f))
		return;
	elf_version(EV_CURRENT);
	f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (!f->elf || elf_kind(f->elf) != ELF_K_ELF ||
	    !gelf_getehdr(f->elf, &eh) || eh.e_machine != arch_elf_machine ||
	    gelf_getclass(f->elf) != ELFCLASS64) {
		if (f->elf)
			elf_end(f->elf);
		f->elf = NULL;
		return;
	}
	len = dwelf_elf_gnu_build_id(f->elf, &id);
	if (len > 0 && (size_t)len <= sizeof(f->build_id)) {
		memcpy(f->build_id, id, (size_t)len);
		f->build_id_len = (size_t)len;
	}
}

/* Open the file of mapping @m of @pid as a new entry, or a negative errno. */
static int file_open(pid_t pid, const struct proc_map *m,
		     struct modcache_file **out)
{
	struct modcache_file *f = xcalloc(1, sizeof(*f));

	/* the file mapped, not one installed over it since */
	if ((f->fd = proc_map_open(pid, m)) < 0 || fstat(f->fd, &f->st)) {
		int r = -errno;

		if (f->fd >= 0)
			close(f->fd);
		free(f);
		return r;
	}
	f->dev = m->dev;
	f->ino = m->inode;
	file_read(f);
	*out = f;
	return 0;
}

/* Close the entries no module uses, if there are too many. */
static void trim(struct modcache *c)
{
	size_t kept = 0;

	if (c->n < MODCACHE_KEEP)
		return;
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i]->refs)
			c->v[kept++] = c->v[i];
		else
			file_close(c->v[i]);
	c->n = kept;
}

/* The entry of @m's file, or NULL; a changed one is dropped. */
static struct modcache_file *lookup(struct modcache *c,
				    const struct proc_map *m)
{
	for (size_t i = 0; i < c->n; i++) {
		struct modcache_file *f = c->v[i];

		if (f->dev != m->dev || f->ino != m->inode)
			continue;
		if (f->refs || unchanged(f))
			return f; /* (in use: checked when taken) */
		file_close(f);
		c->v[i] = c->v[--c->n];
		return NULL;
	}
	return NULL;
}

int modcache_get(struct modcache *c, pid_t pid, const struct proc_map *m,
		 struct modcache_file **out)
{
	struct modcache_file *f = lookup(c, m);
	int r;

	if (!f) {
		if ((r = file_open(pid, m, &f)))
			return r;
		trim(c);
		XGROW(c->v, c->cap, c->n);
		c->v[c->n++] = f;
	}
	f->refs++;
	*out = f;
	return 0;
}

bool modcache_not_elf(const struct modcache *c, const struct proc_map *m)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i]->dev == m->dev && c->v[i]->ino == m->inode)
			return !c->v[i]->elf;
	return false;
}

void modcache_put(struct modcache_file *f)
{
	f->refs--;
}

void modcache_free(struct modcache *c)
{
	for (size_t i = 0; i < c->n; i++)
		file_close(c->v[i]);
	free(c->v);
	memset(c, 0, sizeof(*c));
}
