/*
 * validate.c - patch invariants.  Everything apply does with a patch
 * (copying sections, patching relocated fields, writing trampolines) relies
 * on these checks, so they are strict: one bad index or offset rejects the
 * whole file.
 */
#include <errno.h>
#include <inttypes.h>

#include "arch/arch.h"
#include "patchfile/overlap.h"
#include "patchfile/patchfile.h"
#include "patchfile/validate.h"

static int validate_reloc(const struct patch *p, const struct patch_section *s,
			  const struct patch_reloc *r, struct error *err)
{
	size_t width = arch_reloc_width(r->type);

	if (r->symbol >= p->nsymbols)
		return error_set(err, -EINVAL,
				 "relocation in %s refers to symbol %u of %zu",
				 s->name, r->symbol, p->nsymbols);
	/* R_X86_64_NONE would leave its field as the compiler left it:
	 * never in a patch suture builds, so never accepted in one. */
	if (arch_reloc_class(r->type) == ARCH_RELOC_UNSUPPORTED ||
	    arch_reloc_class(r->type) == ARCH_RELOC_NONE)
		return error_set(err, -EINVAL,
				 "relocation at %#" PRIx64
				 " in %s has type %s (%u), which is not "
				 "one of the types suture applies "
				 "(docs/FORMAT.md); the file was not made "
				 "by suture build",
				 r->offset, s->name, arch_reloc_name(r->type),
				 r->type);
	if (r->offset > s->size || s->size - r->offset < width)
		return error_set(err, -EINVAL,
				 "relocation at %#" PRIx64
				 " lies outside section %s (%" PRIu64 " bytes)",
				 r->offset, s->name, s->size);
	return 0;
}

static int validate_section(const struct patch *p,
			    const struct patch_section *s, struct error *err)
{
	int ret;

	if (s->align == 0 || (s->align & (s->align - 1)) || s->align > 4096)
		return error_set(err, -EINVAL,
				 "section %s has invalid alignment %" PRIu64,
				 s->name, s->align);
	if (s->size > PATCHFILE_SECTION_MAX)
		return error_set(err, -EINVAL,
				 "section %s is too large (%" PRIu64 " bytes)",
				 s->name, s->size);
	if (s->nobits != (s->data == NULL) && s->size)
		return error_set(err, -EINVAL,
				 "section %s: contents do not match its type",
				 s->name);
	if (s->nobits && s->nrelocs)
		return error_set(err, -EINVAL,
				 "section %s has no contents but relocations",
				 s->name);
	for (size_t i = 0; i < s->nrelocs; i++)
		if ((ret = validate_reloc(p, s, &s->relocs[i], err)))
			return ret;
	return overlap_relocs(s, err);
}

static int validate_symbol(const struct patch *p, const struct patch_symbol *y,
			   struct error *err)
{
	if (y->kind != PSYM_LOCAL)
		return y->kind == PSYM_TARGET || y->kind == PSYM_EXTERN
			   ? 0
			   : error_set(err, -EINVAL,
				       "symbol %s has an "
				       "unknown kind",
				       y->name);
	if (y->section >= p->nsections)
		return error_set(err, -EINVAL,
				 "symbol %s is in section %u of %zu", y->name,
				 y->section, p->nsections);
	if (y->value > p->sections[y->section].size ||
	    y->size > p->sections[y->section].size - y->value)
		return error_set(err, -EINVAL,
				 "symbol %s (%" PRIu64 " bytes at %#" PRIx64
				 ") lies outside its section %s",
				 y->name, y->size, y->value,
				 p->sections[y->section].name);
	return 0;
}

static int validate_func(const struct patch *p, const struct patch_func *f,
			 struct error *err)
{
	const struct patch_symbol *y;

	if (f->new_symbol >= p->nsymbols)
		return error_set(err, -EINVAL,
				 "function %s: replacement symbol %u of %zu",
				 f->name, f->new_symbol, p->nsymbols);
	y = &p->symbols[f->new_symbol];
	if (y->kind != PSYM_LOCAL || !y->func)
		return error_set(
		    err, -EINVAL,
		    "function %s: replacement %s is not a function "
		    "of the patch",
		    f->name, y->name);
	if (f->pad && ((f->flags & PFUNC_PART) || f->pad > PATCH_PAD_MAX ||
		       f->old_size >= arch_trampoline_len()))
		return error_set(err, -EINVAL,
				 "function %s: padding of %" PRIu64
				 " bytes for a function that needs none",
				 f->name, f->pad);
	if (!(f->flags & PFUNC_PART) &&
	    f->old_size + f->pad < arch_trampoline_len())
		return error_set(err, -EINVAL,
				 "function %s is too short (%" PRIu64
				 " bytes) for a trampoline",
				 f->name, f->old_size);
	if (f->old_size > PATCH_FUNC_MAX)
		return error_set(err, -EINVAL,
				 "function %s: old_size %" PRIu64
				 " bytes is larger than any function suture "
				 "patches (%u)",
				 f->name, f->old_size, PATCH_FUNC_MAX);
	if (f->old_addr + f->old_size + f->pad < f->old_addr)
		return error_set(err, -EINVAL, "function %s: bad address range",
				 f->name);
	return 0;
}

/* Functions that get a trampoline: those that are no split-off part. */
static size_t whole_funcs(const struct patch *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nfuncs; i++)
		n += !(p->funcs[i].flags & PFUNC_PART);
	return n;
}

int patch_validate(const struct patch *p, struct error *err)
{
	int ret;

	if (!patch_name_valid(p->name))
		return error_set(err, -EINVAL,
				 "invalid patch name '%s' (1-64 characters "
				 "of A-Z a-z 0-9 . _ -)",
				 p->name);
	if (p->build_id_len == 0 || p->build_id_len > PATCH_BUILD_ID_MAX)
		return error_set(err, -EINVAL, "patch %s has no valid build id",
				 p->name);
	if (p->nfuncs == 0 || whole_funcs(p) == 0)
		return error_set(err, -EINVAL,
				 "patch %s replaces no function: its "
				 "function list %s",
				 p->name,
				 p->nfuncs ? "has only split-off parts "
					     "(\"part\": true)"
					   : "is empty");
	for (size_t i = 0; i < p->nsections; i++)
		if ((ret = validate_section(p, &p->sections[i], err)))
			return ret;
	for (size_t i = 0; i < p->nsymbols; i++)
		if ((ret = validate_symbol(p, &p->symbols[i], err)))
			return ret;
	for (size_t i = 0; i < p->nfuncs; i++)
		if ((ret = validate_func(p, &p->funcs[i], err)))
			return ret;
	return overlap_funcs(p, err);
}
