/*
 * procview.c - which code a process runs for a module's functions
 * (procview.h).  Nothing here stops or writes the process: the state comes
 * from the records (status_open), the code from /proc/PID/mem.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/bypass.h"
#include "apply/resolve.h"
#include "apply/status.h"
#include "drift/procview.h"
#include "process/proc.h"
#include "util/xalloc.h"

/* The module to compare, by build-id, then file name (also of a file
 * deleted since it was mapped), then the executable; NULL if none. */
static struct module *pick_module(struct modules *mods, const unsigned char *id,
				  size_t id_len, const char *name)
{
	struct error quiet = {""};
	struct module *m;

	if (id_len && !modules_find_build_id(mods, id, id_len, &m, &quiet))
		return m;
	for (size_t i = 0; name && i < mods->n; i++) {
		char *copy = xstrdup(mods->v[i].path);
		bool same;

		/* a library an upgrade replaced on disk is still itself */
		copy[proc_path_len(copy, NULL)] = '\0';
		same = !strcmp(basename(copy), name);

		free(copy);
		if (same)
			return &mods->v[i];
	}
	return modules_main(mods);
}

/* Load the module's mapped file (its descriptor from modules.c, so a
 * binary replaced on disk since does not mislead) with its symbols. */
static int open_file(struct procview *pv, struct error *err)
{
	char path[64];
	int r;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", pv->mod->file->fd);
	if ((r = target_open(path, &pv->file, err)))
		return r;
	free(pv->file->path);
	pv->file->path = xstrdup(pv->mod->path);
	if (!pv->file->has_symtab)
		return error_set(err, -EINVAL,
				 "%s, mapped by process %d, has no symbol "
				 "table: its functions cannot be named",
				 pv->mod->path, pv->pid);
	return 0;
}

/* Read the module's GOT slots: where its imports are bound now. */
static void read_slots(struct procview *pv)
{
	const struct target *t = pv->file;

	free(pv->slots);
	pv->slots = xcalloc(t->nslots + 1, sizeof(*pv->slots));
	for (size_t i = 0; i < t->nslots; i++)
		rmem_read(&pv->mem, t->slots[i].addr + pv->mod->bias,
			  &pv->slots[i], sizeof(*pv->slots), NULL);
}

int procview_open(pid_t pid, const unsigned char *id, size_t id_len,
		  const char *name, struct procview *pv, struct error *err)
{
	int r;

	memset(pv, 0, sizeof(*pv));
	pv->pid = pid;
	if ((r = status_open(pid, &pv->st, &pv->mem, err)))
		return r;
	if ((r = proc_maps_read(pid, &pv->maps, err)) ||
	    (r = modules_load(pid, &pv->maps, &pv->mods, err)))
		goto out_close;
	if (!(pv->mod = pick_module(&pv->mods, id, id_len, name))) {
		r = error_set(err, -ENOENT,
			      "process %d maps no executable suture can read",
			      pid);
		goto out_close;
	}
	if (!(r = open_file(pv, err))) {
		read_slots(pv);
		resolve_prepare(&pv->mods);
		return 0;
	}
out_close:
	procview_close(pv);
	return r;
}

void procview_close(struct procview *pv)
{
	free(pv->slots);
	pv->slots = NULL;
	target_close(pv->file);
	modules_free(&pv->mods);
	proc_maps_free(&pv->maps);
	state_free(&pv->st);
	rmem_close(&pv->mem);
	pv->file = NULL;
}

int procview_reread(struct procview *pv, struct error *err)
{
	struct proc_maps maps = {0};
	int r;

	state_free(&pv->st);
	if ((r = proc_maps_read(pv->pid, &maps, err)))
		return r;
	r = state_read(&maps, &pv->mem, &pv->st, err);
	proc_maps_free(&maps);
	read_slots(pv);
	return r;
}

/* The newest live patch replacing the function at run-time @entry, and
 * its entry in the record; NULL if none. */
static const struct record *live_patch(const struct state *st, uint64_t entry,
				       const struct record_func **out)
{
	for (size_t i = st->n; i-- > 0;)
		for (size_t k = 0; k < st->v[i].nfuncs; k++)
			if (st->v[i].funcs[k].entry == entry) {
				*out = &st->v[i].funcs[k];
				return &st->v[i];
			}
	return NULL;
}

/* A patch whose commit byte is clear runs its functions' original entry
 * bytes from their gates: put them back into @c's copy.  Only an entry
 * that jumps to its gate (as leftover.c restores): one that jumps straight
 * to the new code runs it. */
static void through_gate(const struct state *st, struct procview_code *c)
{
	for (size_t i = 0; i < st->ndead; i++)
		for (size_t k = 0; k < st->dead[i].nfuncs; k++) {
			const struct record_func *f = &st->dead[i].funcs[k];

			if (f->entry != c->addr || (f->flags & PFUNC_PART) ||
			    f->saved_len > c->size ||
			    c->size < arch_trampoline_len() ||
			    !arch_trampoline_is(c->bytes, c->addr,
						record_func_jump(f)))
				continue;
			memcpy(c->bytes, f->saved, f->saved_len);
			c->pending = &st->dead[i];
			return;
		}
}

/* Read @c->size bytes at @c->addr into a new buffer. */
static int read_code(const struct procview *pv, struct procview_code *c,
		     struct error *err)
{
	c->bytes = xmalloc(c->size ? c->size : 1);
	return rmem_read(&pv->mem, c->addr, c->bytes, c->size, err);
}

/* The patch's code for @y, checking that the entry jumps there. */
static int patched_code(const struct procview *pv, const struct target_sym *y,
			const struct record_func *f, struct procview_code *c,
			struct error *err)
{
	unsigned char have[ARCH_TRAMPOLINE_MAX];
	size_t len = arch_trampoline_len();
	int r;

	c->addr = f->new_addr;
	c->size = f->new_size ? f->new_size : y->size;
	if (!(f->flags & PFUNC_PART)) {
		if ((r = rmem_read(&pv->mem, f->entry, have, len, err)))
			return r;
		c->entry_odd = !bypass_entry_is_ours(f, have);
	}
	return read_code(pv, c, err);
}

int procview_code(const struct procview *pv, const struct target_sym *y,
		  struct procview_code *c, struct error *err)
{
	uint64_t entry = y->value + pv->mod->bias;
	const struct record_func *f;
	int r;

	memset(c, 0, sizeof(*c));
	if ((c->patch = live_patch(&pv->st, entry, &f)))
		return patched_code(pv, y, f, c, err);
	c->addr = entry;
	/* a function shorter than a trampoline: the jump at its entry
	 * spills into the padding after it (build/padroom.h), which
	 * through_gate must see; none if nothing is mapped there */
	c->size =
	    y->size < arch_trampoline_len() ? arch_trampoline_len() : y->size;
	if (read_code(pv, c, NULL)) {
		free(c->bytes);
		c->size = y->size;
		if ((r = read_code(pv, c, err)))
			return r;
	}
	through_gate(&pv->st, c);
	c->size = y->size;
	return 0;
}

void procview_code_free(struct procview_code *c)
{
	free(c->bytes);
	c->bytes = NULL;
}

bool procview_code_same(const struct procview *pv, const struct target_sym *y,
			const struct procview_code *c)
{
	struct procview_code again;
	bool same = !procview_code(pv, y, &again, NULL) &&
		    again.addr == c->addr && again.size == c->size &&
		    again.patch == c->patch && again.pending == c->pending &&
		    again.entry_odd == c->entry_odd &&
		    !memcmp(again.bytes, c->bytes, c->size);

	procview_code_free(&again);
	return same;
}
