/*
 * kemit.c - the changed functions as an ELF object for the module.
 *
 * Each function going into the patch gets its own section, .text.suture.N
 * (unique, so that the module's link keeps it whole at the offsets the
 * livepatch relocations name), and a global symbol NAME__sutureN that the
 * klp_func of the generated C file points at.  Every relocation of its
 * code is carried by what it refers to (normalize.h):
 *   - a symbol the kernel exports: a plain relocation, which modpost and
 *     the module loader resolve (and version) as for any module;
 *   - a new function of the patch, or a split-off part (foo.cold) of a
 *     patched one: a plain relocation to the patch's own copy;
 *   - anything else of the running kernel (statics, functions and
 *     variables not exported): a livepatch relocation, resolved by name
 *     (and position where the name is not unique) when the patch loads;
 *   - strings and constants without identity: copied into .rodata.suture.
 * What cannot be carried that way is refused, naming it.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build/normalize.h"
#include "kbuild/kbuild.h"
#include "kbuild/kelf.h"
#include "util/xalloc.h"

struct kemit {
	struct kbuild_ctx *ctx;
	struct kelf k;
	size_t rodata;
	size_t *sec;   /* per engine fn: its section, or SIZE_MAX */
	uint32_t *sym; /* per engine fn: its global symbol */
};

/* Livepatch's position of @ts among the symbols of its name: 0 when it is
 * unique; else 1-based, in kallsyms' order: by address for vmlinux (the
 * kallsyms table is sorted), symbol table order for a module. */
static unsigned long kemit_sympos(const struct kbuild_ctx *ctx,
				  const struct target_sym *ts)
{
	const struct target *t = ctx->engine.target;
	bool by_index = strcmp(ctx->objname, "vmlinux") != 0;
	unsigned long count = 0, before = 0;

	for (size_t i = 0; i < t->nsyms; i++) {
		const struct target_sym *y = &t->syms[i];

		if (!y->defined || strcmp(y->name, ts->name) ||
		    y->type == STT_SECTION)
			continue;
		count++;
		before += by_index ? y < ts
				   : y->value < ts->value ||
					 (y->value == ts->value && y < ts);
	}
	return count > 1 ? before + 1 : 0;
}

static void kemit_klp(struct kemit *m, size_t sec, const struct obj_reloc *r,
		      uint64_t off, const struct target_sym *ts, int64_t addend)
{
	struct kbuild_ctx *ctx = m->ctx;
	struct klp_reloc *k;

	XGROW(ctx->klp, ctx->klp_cap, ctx->nklp + 1);
	k = &ctx->klp[ctx->nklp++];
	*k = (struct klp_reloc){.section = xstrdup(m->k.secs[sec].name),
				.offset = off,
				.type = r->type,
				.addend = addend,
				.objname = xstrdup(ctx->objname),
				.symbol = xstrdup(ts->name),
				.sympos = kemit_sympos(ctx, ts)};
}

/* The running kernel's copy of symbol @y of patched object @o. */
static int kemit_running(struct kemit *m, const struct objfile *o, uint32_t y,
			 const struct target_sym **ts, struct error *err)
{
	const struct build_ctx *e = &m->ctx->engine;
	const struct obj_symbol *s = &o->syms[y];
	struct objfile *oo = NULL;
	int k, ret;

	*ts = NULL;
	if (s->shndx == SHN_UNDEF)
		ret = target_lookup(e->target, s->name, NULL, -1, ts, err);
	else if ((k = build_pair(e, o, s, &oo)) >= 0)
		ret = build_lookup(e, oo, &oo->syms[k], ts, err);
	else
		ret = 0;
	if (ret || *ts)
		return ret;
	return error_set(err, -EINVAL,
			 "patched code refers to %s (%s), which the running "
			 "%s does not have: a new variable, or a function "
			 "inlined everywhere; suture kbuild cannot add it yet",
			 s->name, o->key, m->ctx->objname);
}

/* Copy read-only bytes @ref refers to; the plain relocation to them. */
static int kemit_copy(struct kemit *m, size_t sec, const struct objfile *o,
		      const struct obj_reloc *r, uint64_t off,
		      const struct ref *ref, struct error *err)
{
	const struct obj_section *s = &o->secs[ref->shndx];
	uint64_t start = ref->kind == REF_RODATA ? 0 : ref->start;
	uint64_t len = ref->kind == REF_RODATA ? s->size : ref->len;
	uint64_t at;

	if (ref->kind == REF_RODATA && (s->nrelocs || !s->data))
		return error_set(err, -EINVAL,
				 "patched code refers to %s (%s), read-only "
				 "data holding addresses; suture kbuild "
				 "cannot carry it yet",
				 ref_name(o, ref), o->key);
	at = kelf_append(&m->k, m->rodata, s->data + start, len,
			 ref->kind == REF_RODATA ? s->align : ref->align);
	kelf_reloc(&m->k, sec, off, r->type, m->k.secs[m->rodata].sym,
		   (int64_t)at + ref->addend);
	return 0;
}

/* A function or variable of the object: the patch's copy or the
 * running one. */
static int kemit_owned(struct kemit *m, size_t sec, const struct objfile *o,
		       const struct obj_reloc *r, uint64_t off,
		       const struct ref *ref, struct error *err)
{
	struct fn_result *f = build_fn(&m->ctx->engine, o, ref->sym);
	const char *secname = o->secs[ref->shndx].name;
	const struct target_sym *ts;
	int ret;

	if (f && f->in_patch && (f->state == FN_NEW || f->cold)) {
		kelf_reloc(&m->k, sec, off, r->type,
			   m->sym[f - m->ctx->engine.fns], ref->addend);
		return 0;
	}
	if (!strncmp(secname, ".data..percpu", 13))
		return error_set(err, -EINVAL,
				 "patched code refers to the per-CPU variable "
				 "%s (%s) of the running kernel; suture "
				 "kbuild cannot bind per-CPU data yet",
				 o->syms[ref->sym].name, o->key);
	if ((ret = kemit_running(m, o, ref->sym, &ts, err)))
		return ret;
	kemit_klp(m, sec, r, off, ts, ref->addend);
	return 0;
}

static int kemit_undef(struct kemit *m, size_t sec, const struct objfile *o,
		       const struct obj_reloc *r, uint64_t off,
		       struct error *err)
{
	const char *name = o->syms[r->sym].name;
	const struct target_sym *ts;
	int ret;

	if (ksymvers_exported(m->ctx, name)) {
		kelf_reloc(&m->k, sec, off, r->type,
			   kelf_symbol(&m->k, name, -1, 0, 0, STT_NOTYPE),
			   r->addend);
		return 0;
	}
	if ((ret = kemit_running(m, o, r->sym, &ts, err)))
		return ret;
	kemit_klp(m, sec, r, off, ts, r->addend);
	return 0;
}

static int kemit_reloc(struct kemit *m, size_t sec, const struct objfile *o,
		       const struct obj_symbol *fy, const struct obj_reloc *r,
		       struct error *err)
{
	uint64_t off = r->offset - fy->value;
	struct ref ref;

	ref_resolve(o, fy->shndx, r, &ref);
	switch (ref.kind) {
	case REF_UNDEF:
		return kemit_undef(m, sec, o, r, off, err);
	case REF_FUNC:
	case REF_DATA:
		return kemit_owned(m, sec, o, r, off, &ref, err);
	case REF_STR:
	case REF_CONST:
	case REF_RODATA:
		return kemit_copy(m, sec, o, r, off, &ref, err);
	default:
		return error_set(err, -EINVAL,
				 "function %s (%s) refers to %s, which a "
				 "livepatch module cannot carry",
				 fy->name, o->key, ref_name(o, &ref));
	}
}

static int kemit_relocs(struct kemit *m, size_t i, struct error *err)
{
	const struct fn_result *f = &m->ctx->engine.fns[i];
	const struct obj_symbol *y = &f->obj->syms[f->sym];
	size_t first,
	    n = obj_relocs_in(f->obj, y->shndx, y->value, y->size, &first);
	int ret = 0;

	for (size_t r = first; !ret && r < first + n; r++)
		ret = kemit_reloc(m, m->sec[i], f->obj, y,
				  &f->obj->secs[y->shndx].relocs[r], err);
	return ret;
}

/* The sections first (their symbols are local), then the globals. */
static void kemit_code(struct kemit *m)
{
	struct build_ctx *e = &m->ctx->engine;
	size_t n = 0;

	for (size_t i = 0; i < e->nfns; i++) {
		const struct fn_result *f = &e->fns[i];
		const struct obj_symbol *y = &f->obj->syms[f->sym];
		char *name;

		m->sec[i] = SIZE_MAX;
		if (!f->in_patch)
			continue;
		name = xasprintf(".text.suture.%zu", n++);
		m->sec[i] =
		    kelf_section(&m->k, name, SHF_ALLOC | SHF_EXECINSTR, 16);
		kelf_append(&m->k, m->sec[i],
			    f->obj->secs[y->shndx].data + y->value, y->size, 1);
		free(name);
	}
	m->rodata = kelf_section(&m->k, ".rodata.suture", SHF_ALLOC, 8);
}

static void kemit_func(struct kemit *m, size_t i)
{
	struct kbuild_ctx *ctx = m->ctx;
	const struct fn_result *f = &ctx->engine.fns[i];
	const char *name = f->obj->syms[f->sym].name;
	char *sym = xasprintf("%s__suture%zu", name, i);
	struct kfunc *k;

	m->sym[i] = kelf_symbol(&m->k, sym, (int)m->sec[i], 0,
				f->obj->syms[f->sym].size, STT_FUNC);
	if (f->state == FN_NEW)
		khook_note(ctx, name, sym);
	if (f->state != FN_CHANGED || f->cold) {
		free(sym);
		return;
	}
	XGROW(ctx->funcs, ctx->funcs_cap, ctx->nfuncs + 1);
	k = &ctx->funcs[ctx->nfuncs++];
	k->old_name = xstrdup(name);
	k->old_sympos = kemit_sympos(ctx, f->tsym);
	k->new_sym = sym;
}

int kemit_write(struct kbuild_ctx *ctx, struct error *err)
{
	struct build_ctx *e = &ctx->engine;
	struct kemit m = {.ctx = ctx};
	int ret = 0;

	m.sec = xcalloc(e->nfns + 1, sizeof(*m.sec));
	m.sym = xcalloc(e->nfns + 1, sizeof(*m.sym));
	kemit_code(&m);
	for (size_t i = 0; i < e->nfns; i++)
		if (e->fns[i].in_patch)
			kemit_func(&m, i);
	for (size_t i = 0; !ret && i < e->nfns; i++)
		if (e->fns[i].in_patch)
			ret = kemit_relocs(&m, i, err);
	ctx->mod_dir = xasprintf("%s/module", ctx->scratch);
	ctx->code_o = xasprintf("%s/suture_code.o_shipped", ctx->mod_dir);
	if (!ret && mkdir(ctx->mod_dir, 0755) < 0 && errno != EEXIST)
		ret = error_set(err, -errno, "cannot create %s: %m",
				ctx->mod_dir);
	if (!ret)
		ret = kelf_write(&m.k, ctx->code_o, err);
	kelf_free(&m.k);
	free(m.sec);
	free(m.sym);
	return ret;
}
