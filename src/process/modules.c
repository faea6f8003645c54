/* modules.c - the ELF modules of a process: discovery, build ID, bias. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "process/modules.h"
#include "util/xalloc.h"

/* Mapped files that are never modules: devices, suture's own regions. */
static bool skip_map(const struct proc_map *m)
{
	return !m->inode || m->path[0] != '/' ||
	       !strncmp(m->path, "/dev/", 5) || !strncmp(m->path, "/memfd:", 7);
}

/* Index of the module already holding @m's file, or -1. */
static long find_same_file(const struct modules *mods, const struct proc_map *m)
{
	for (size_t i = 0; i < mods->n; i++)
		if (!strcmp(mods->v[i].path, m->path))
			return (long)i;
	return -1;
}

/* Group the file mappings of @maps by file into mods->v. */
static void group_maps(struct modules *mods, const struct proc_maps *maps)
{
	for (size_t i = 0; i < maps->n; i++) {
		const struct proc_map *m = &maps->v[i];
		long k;

		if (skip_map(m))
			continue;
		if ((k = find_same_file(mods, m)) >= 0) {
			mods->v[k].hi = m->end;
			continue;
		}
		XGROW(mods->v, mods->cap, mods->n);
		memset(&mods->v[mods->n], 0, sizeof(*mods->v));
		mods->v[mods->n].path = xstrdup(m->path);
		mods->v[mods->n].lo = m->start;
		mods->v[mods->n++].hi = m->end;
	}
}

/*
 * The load bias of an ET_DYN module: where the kernel mapped the page
 * holding the first PT_LOAD, minus that page's link-time address.
 */
static int compute_bias(const struct proc_maps *maps, struct module *mod)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	GElf_Ehdr eh;
	GElf_Phdr ph;
	size_t n;

	if (!gelf_getehdr(mod->elf, &eh) || elf_getphdrnum(mod->elf, &n))
		return -EINVAL;
	if (eh.e_type == ET_EXEC)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getphdr(mod->elf, (int)i, &ph) ||
		    ph.p_type != PT_LOAD)
			continue;
		for (size_t j = 0; j < maps->n; j++) {
			const struct proc_map *m = &maps->v[j];

			if (m->start >= mod->lo && m->end <= mod->hi &&
			    !strcmp(m->path, mod->path) &&
			    m->offset == (ph.p_offset & ~(page - 1))) {
				mod->bias =
				    m->start - (ph.p_vaddr & ~(page - 1));
				return 0;
			}
		}
		return -ENOENT;
	}
	return -ENOENT;
}

/* Open @mod as an ELF file of this architecture (or take it from the
 * cache) and read its identity. */
static int open_module(struct modules *mods, const struct proc_maps *maps,
		       struct module *mod)
{
	int r = modcache_get(mods->cache, mods->pid,
			     proc_maps_find(maps, mod->lo), &mod->file);

	if (r)
		return r;
	if (!(mod->elf = mod->file->elf))
		return -ENOEXEC;
	memcpy(mod->build_id, mod->file->build_id, mod->file->build_id_len);
	mod->build_id_len = mod->file->build_id_len;
	return compute_bias(maps, mod);
}

static void close_module(struct module *mod)
{
	if (mod->file)
		modcache_put(mod->file);
	free(mod->path);
	mod->file = NULL;
	mod->elf = NULL;
	mod->path = NULL;
}

/* Mark the executable: the module /proc/PID/exe names. */
static void mark_main(pid_t pid, struct modules *mods)
{
	char path[64], exe[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	if ((n = readlink(path, exe, sizeof(exe) - 1)) < 0)
		return;
	exe[n] = '\0';
	for (size_t i = 0; i < mods->n; i++)
		if (!strcmp(mods->v[i].path, exe)) {
			mods->v[i].is_main = true;
			return;
		}
}

int modules_load_cached(pid_t pid, const struct proc_maps *maps,
			struct modcache *cache, struct modules *out,
			struct error *err)
{
	size_t kept = 0;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	out->cache = cache ? cache : &out->own;
	group_maps(out, maps);
	for (size_t i = 0; i < out->n; i++) {
		if (open_module(out, maps, &out->v[i]) < 0) {
			close_module(&out->v[i]);
			continue;
		}
		out->v[kept++] = out->v[i];
	}
	out->n = kept;
	mark_main(pid, out);
	if (!out->n)
		return error_set(err, -ENOENT,
				 "process %d maps no ELF file suture can read",
				 pid);
	return 0;
}

int modules_load(pid_t pid, const struct proc_maps *maps, struct modules *out,
		 struct error *err)
{
	return modules_load_cached(pid, maps, NULL, out, err);
}

void modules_free(struct modules *mods)
{
	for (size_t i = 0; i < mods->n; i++) {
		close_module(&mods->v[i]);
		free(mods->v[i].dyn);
	}
	free(mods->v);
	modcache_free(&mods->own); /* (empty if the caller's was used) */
	memset(mods, 0, sizeof(*mods));
}

struct module *modules_main(struct modules *mods)
{
	for (size_t i = 0; i < mods->n; i++)
		if (mods->v[i].is_main)
			return &mods->v[i];
	return NULL;
}

char *modules_hex(const unsigned char *id, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", id[i]);
	out[2 * len] = '\0';
	return out;
}

int modules_find_build_id(struct modules *mods, const unsigned char *id,
			  size_t len, struct module **out, struct error *err)
{
	char want[2 * BUILD_ID_MAX + 1], have[2 * BUILD_ID_MAX + 1];
	char list[640] = "";
	size_t used = 0;

	for (size_t i = 0; i < mods->n; i++) {
		struct module *m = &mods->v[i];

		if (m->build_id_len == len && !memcmp(m->build_id, id, len)) {
			*out = m;
			return 0;
		}
		if (used < sizeof(list))
			used += (size_t)snprintf(
			    list + used, sizeof(list) - used,
			    "%s%s (build-id %s)", i ? ", " : "", m->path,
			    m->build_id_len ? modules_hex(m->build_id,
							  m->build_id_len, have)
					    : "none");
	}
	return error_set(err, -ENOENT,
			 "process %d does not map the binary this patch was "
			 "built for (build-id %s); it maps: %s",
			 mods->pid, modules_hex(id, len, want), list);
}
