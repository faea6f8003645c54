/* dbgfile.c - finding a module's debug file (dbgfile.h). */
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/dbgfile.h"
#include "util/xalloc.h"

/* Where distributions install debug files. */
#define DEBUG_DIR "/usr/lib/debug"

/* Open @path into @d if it is a debug file of @mod's build. */
static bool try_file(struct dbgfile *d, const struct module *mod,
		     const char *path)
{
	const void *id;

	if ((d->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	d->elf = elf_begin(d->fd, ELF_C_READ_MMAP, NULL);
	if (d->elf &&
	    dwelf_elf_gnu_build_id(d->elf, &id) == (ssize_t)mod->build_id_len &&
	    !memcmp(id, mod->build_id, mod->build_id_len))
		return true;
	dbgfile_close(d);
	return false;
}

/* The file name in @mod's .gnu_debuglink, or NULL. */
static const char *debuglink(const struct module *mod)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(mod->elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(mod->elf, scn))) {
		const char *n;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) ||
		    !(n = elf_strptr(mod->elf, shstrndx, sh.sh_name)) ||
		    strcmp(n, ".gnu_debuglink"))
			continue;
		data = elf_getdata(scn, NULL);
		return data && data->d_size &&
			       memchr(data->d_buf, 0, data->d_size)
			   ? data->d_buf
			   : NULL;
	}
	return NULL;
}

/* The .gnu_debuglink places, in gdb's order. */
static void by_link(struct dbgfile *d, const struct module *mod)
{
	const char *name = debuglink(mod);
	char *copy = xstrdup(mod->path), *dir = dirname(copy);
	char *cand[3];

	if (!name) {
		free(copy);
		return;
	}
	cand[0] = xasprintf("%s/%s", dir, name);
	cand[1] = xasprintf("%s/.debug/%s", dir, name);
	cand[2] = xasprintf("%s%s/%s", DEBUG_DIR, dir, name);
	for (size_t i = 0; i < 3; i++) {
		if (!d->elf && strcmp(cand[i], mod->path))
			try_file(d, mod, cand[i]);
		free(cand[i]);
	}
	free(copy);
}

void dbgfile_open(const struct module *mod, struct dbgfile *d)
{
	char hex[2 * BUILD_ID_MAX + 1];

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (!mod->build_id_len)
		return;
	modules_hex(mod->build_id, mod->build_id_len, hex);
	snprintf(d->by_id, sizeof(d->by_id), "%s/.build-id/%.2s/%s.debug",
		 DEBUG_DIR, hex, hex + 2);
	if (!try_file(d, mod, d->by_id))
		by_link(d, mod);
}

void dbgfile_close(struct dbgfile *d)
{
	if (d->elf)
		elf_end(d->elf);
	if (d->fd >= 0)
		close(d->fd);
	d->elf = NULL;
	d->fd = -1;
}
