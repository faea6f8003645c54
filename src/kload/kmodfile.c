/*
 * kmodfile.c - reading a kernel module file before loading it.
 *
 * The name, the vermagic and the livepatch mark are .modinfo strings
 * ("key=value", NUL-separated).  Whether the patch is an atomic replace
 * is no modinfo: it is the `replace` field of the struct klp_patch the
 * module's init passes to klp_enable_patch(), and it matters before the
 * load, because a replace disables every other patch the moment the
 * module's init runs.  So the struct is found in the file: the init code
 * refers to it by a relocation, and its first field, `mod`, is relocated
 * against __this_module.  Exactly one such object must exist, or the file
 * is refused rather than guessed about.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/objfile.h"
#include "kload/kmodfile.h"

/*
 * Offset of `bool replace` in struct klp_patch (include/linux/livepatch.h):
 * after `struct module *mod`, `struct klp_object *objs` and `struct
 * klp_state *states`, unchanged from 5.5 to 6.x.  The vermagic check ties
 * the module to the running kernel; the layout is that kernel's.
 */
#define KLP_PATCH_REPLACE_OFFSET 24

/* The value of "@key=" in .modinfo @s, or NULL. */
static const char *modinfo_get(const struct obj_section *s, const char *key)
{
	size_t klen = strlen(key);

	for (size_t off = 0; off < s->size;) {
		const char *e = (const char *)s->data + off;

		if (!strncmp(e, key, klen) && e[klen] == '=')
			return e + klen + 1;
		off += strnlen(e, s->size - off) + 1;
	}
	return NULL;
}

static const struct obj_section *section_named(const struct objfile *o,
					       const char *name)
{
	for (size_t i = 0; i < o->nsecs; i++)
		if (o->secs[i].name && !strcmp(o->secs[i].name, name) &&
		    o->secs[i].data)
			return &o->secs[i];
	return NULL;
}

/* The relocation of @s at exactly @off, or NULL. */
static const struct obj_reloc *reloc_at(const struct obj_section *s,
					uint64_t off)
{
	for (size_t i = 0; i < s->nrelocs; i++)
		if (s->relocs[i].offset == off)
			return &s->relocs[i];
	return NULL;
}

/* Where a code relocation points: section index and offset in it. */
static bool reloc_target(const struct objfile *o, const struct obj_reloc *r,
			 uint32_t *shndx, uint64_t *off)
{
	const struct obj_symbol *sym = &o->syms[r->sym];
	int64_t addend = r->addend;

	if (sym->shndx == SHN_UNDEF || sym->shndx >= o->nsecs)
		return false;
	/* A %rip-relative field's addend counts from its own end. */
	if (r->type == R_X86_64_PC32 || r->type == R_X86_64_PLT32)
		addend += 4;
	*shndx = sym->shndx;
	*off = sym->value + (uint64_t)addend;
	return true;
}

/* Whether the object at @off of section @shndx starts with `mod =
 * THIS_MODULE`, as a struct klp_patch does. */
static bool starts_with_this_module(const struct objfile *o, uint32_t shndx,
				    uint64_t off)
{
	const struct obj_section *s = &o->secs[shndx];
	const struct obj_reloc *r = reloc_at(s, off);

	return r && r->type == R_X86_64_64 && !r->addend &&
	       !strcmp(o->syms[r->sym].name, "__this_module") && s->data &&
	       off + KLP_PATCH_REPLACE_OFFSET < s->size;
}

struct klp_candidates {
	uint32_t shndx;
	uint64_t off;
	size_t n; /* distinct objects found */
};

static void scan_code(const struct objfile *o, const struct obj_section *s,
		      struct klp_candidates *c)
{
	for (size_t i = 0; i < s->nrelocs; i++) {
		uint32_t shndx;
		uint64_t off;

		if (!reloc_target(o, &s->relocs[i], &shndx, &off) ||
		    !starts_with_this_module(o, shndx, off))
			continue;
		if (c->n && c->shndx == shndx && c->off == off)
			continue;
		c->shndx = shndx;
		c->off = off;
		c->n++;
	}
}

/* out->replace from the one struct klp_patch the code refers to. */
static int find_replace(const struct objfile *o, const char *path,
			struct kmod_info *out, struct error *err)
{
	struct klp_candidates c = {0};

	for (size_t i = 0; i < o->nsecs; i++)
		if (obj_sec_exec(&o->secs[i]))
			scan_code(o, &o->secs[i], &c);
	if (c.n != 1)
		return error_set(
		    err, -EINVAL,
		    "%s: cannot tell whether its patch is an atomic replace: "
		    "its code refers to %zu objects that start like a struct "
		    "klp_patch (mod = THIS_MODULE), not exactly one",
		    path, c.n);
	out->replace = o->secs[c.shndx].data[c.off + KLP_PATCH_REPLACE_OFFSET];
	return 0;
}

static int copy_field(char *dst, size_t len, const char *v, const char *key,
		      const char *path, struct error *err)
{
	if (!v || !*v)
		return error_set(err, -EINVAL,
				 "%s is not a kernel module: its .modinfo has "
				 "no %s",
				 path, key);
	snprintf(dst, len, "%s", v);
	return 0;
}

static int read_modinfo(const struct objfile *o, const char *path,
			struct kmod_info *out, struct error *err)
{
	const struct obj_section *mi = section_named(o, ".modinfo");
	const char *lp;

	if (!mi)
		return error_set(err, -EINVAL,
				 "%s is not a kernel module: it has no "
				 ".modinfo section",
				 path);
	if (copy_field(out->name, sizeof(out->name), modinfo_get(mi, "name"),
		       "name", path, err) < 0 ||
	    copy_field(out->vermagic, sizeof(out->vermagic),
		       modinfo_get(mi, "vermagic"), "vermagic", path, err) < 0)
		return -EINVAL;
	lp = modinfo_get(mi, "livepatch");
	out->livepatch = lp && !strcmp(lp, "Y");
	return 0;
}

int kmod_inspect(const char *path, struct kmod_info *out, struct error *err)
{
	struct objfile **objs = NULL;
	struct error why = {""};
	size_t n = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = objfile_load(path, path, &objs, &n, &why)) < 0)
		return error_set(err, r,
				 "cannot read %s as a kernel module: %s", path,
				 why.msg);
	if (n != 1)
		r = error_set(err, -EINVAL, "%s is not a kernel module", path);
	else if ((r = read_modinfo(objs[0], path, out, err)) == 0 &&
		 out->livepatch)
		r = find_replace(objs[0], path, out, err);
	for (size_t i = 0; i < n; i++)
		objfile_free(objs[i]);
	free(objs);
	return r;
}

char *kmod_release(const char *vermagic, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)strcspn(vermagic, " "), vermagic);
	return buf;
}
