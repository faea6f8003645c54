/*
 * emit.c - stage 7: the struct patch.
 *
 * The sections of the functions chosen by compare.c are copied into the
 * patch, then their relocations are bound one by one, which may pull in
 * more sections (new callees, new variables, read-only data), whose
 * relocations are bound in turn until nothing is left.  Each reference
 * becomes one of the three symbol kinds of patch.h:
 *
 *   - an existing function, entered at its start: PSYM_TARGET at its old
 *     address.  Function pointers keep comparing equal, and a changed
 *     callee is reached through its trampoline.  References into the middle
 *     of a replaced function (jump tables, its cold part) and to cold parts
 *     go to the new copy instead, since they belong to the new code;
 *   - an existing variable: PSYM_TARGET.  The patch never carries a second
 *     copy of state the process already has;
 *   - new functions and variables, read-only data: PSYM_LOCAL, copied.
 *     Constants have no identity, so private copies are safe, and a copy
 *     is what makes a changed string literal or table take effect;
 *   - symbols the object did not define: the target's global of that name
 *     if it has one (a function of another object, a copy-relocated
 *     `stdout`), else PSYM_EXTERN, resolved in the process's libraries.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "build/ehframe.h"
#include "build/emittls.h"
#include "build/normalize.h"
#include "build/pbuild.h"
#include "build/pipeline.h"
#include "util/xalloc.h"

/* A section of an object copied into the patch. */
struct emit_copy {
	const struct objfile *o;
	uint32_t shndx;
	uint32_t psec;
	bool bound; /* relocations done */
};

struct emit {
	struct build_ctx *ctx;
	struct pbuild b;
	struct emit_copy *copies;
	size_t ncopies, copies_cap;
};

/* Where a relocation will point: a patch symbol plus an addend. */
struct emit_dest {
	uint32_t sym;
	int64_t addend;
};

static uint32_t emit_flags(const struct obj_section *s)
{
	return obj_sec_exec(s) ? PSEC_EXEC : obj_sec_data(s) ? PSEC_WRITE : 0;
}

/* The patch section copied from section @shndx of @o, copied if new. */
static uint32_t emit_copy(struct emit *e, const struct objfile *o,
			  uint32_t shndx)
{
	const struct obj_section *s = &o->secs[shndx];
	uint32_t psec;

	for (size_t i = 0; i < e->ncopies; i++)
		if (e->copies[i].o == o && e->copies[i].shndx == shndx)
			return e->copies[i].psec;
	psec =
	    pbuild_section(&e->b, s->name, emit_flags(s), s->type == SHT_NOBITS,
			   s->align, s->size, s->data);
	XGROW(e->copies, e->copies_cap, e->ncopies);
	e->copies[e->ncopies++] = (struct emit_copy){o, shndx, psec, false};
	return psec;
}

/* A PSYM_LOCAL for symbol @sym of @o, its section copied. */
static uint32_t emit_local(struct emit *e, const struct objfile *o,
			   uint32_t sym)
{
	const struct obj_symbol *y = &o->syms[sym];

	return pbuild_symbol(&e->b, &(struct patch_symbol){
					.name = y->name,
					.kind = PSYM_LOCAL,
					.section = emit_copy(e, o, y->shndx),
					.value = y->value,
					.size = y->size,
					.func = y->type == STT_FUNC,
				    });
}

static uint32_t emit_target(struct emit *e, const struct target_sym *ts)
{
	return pbuild_symbol(&e->b, &(struct patch_symbol){
					.name = ts->name,
					.kind = PSYM_TARGET,
					.value = ts->value,
					.size = ts->size,
					.func = ts->type == STT_FUNC,
				    });
}

/* A reference to function @sym of @o (patched). */
static int emit_func_ref(struct emit *e, const struct objfile *o, uint32_t sym,
			 bool entry, struct emit_dest *d, struct error *err)
{
	struct fn_result *f = build_fn(e->ctx, o, sym);

	if (!f)
		return error_set(err, -EINVAL, "%s: no function %s to refer to",
				 o->key, o->syms[sym].name);
	if (!f->in_patch && !f->tsym) {
		/* Called by new code, absent from the target (inlined or
		 * dropped there): the patch needs its own copy. */
		f->in_patch = true;
		f->needed = true;
	}
	if (f->in_patch && (f->cold || !entry || !f->tsym))
		d->sym = emit_local(e, o, sym);
	else
		d->sym = emit_target(e, f->tsym);
	f->psym = f->in_patch ? (int64_t)emit_local(e, o, sym) : f->psym;
	return 0;
}

/* A reference to variable @sym of @o (patched). */
static int emit_data_ref(struct emit *e, const struct objfile *o, uint32_t sym,
			 struct emit_dest *d, struct error *err)
{
	const struct obj_symbol *y = &o->syms[sym];
	const struct target_sym *ts = NULL;
	struct objfile *oo;
	int k, ret;

	k = build_pair(e->ctx, o, y, &oo);
	if (k >= 0) {
		/* By the orig name: GCC may have renumbered a local static. */
		ret = build_lookup(e->ctx, oo, &oo->syms[k], &ts, err);
		if (ret)
			return ret;
	}
	if (ts) {
		d->sym = emit_target(e, ts);
		return 0;
	}
	if (emittls_is(o, sym))
		return emittls_new(o, sym, err);
	if (y->shndx == SHN_COMMON)
		return error_set(err, -ENOTSUP,
				 "variable %s (%s) is a common symbol the "
				 "target does not have; build with "
				 "-fno-common",
				 y->name, o->key);
	/* Built --on a patch that added it: its live value is in that
	 * patch's memory, and a copy here would be a second, diverging one. */
	if (k >= 0 && e->ctx->base)
		return error_set(err, -ENOTSUP,
				 "variable %s (%s) was added by patch '%s'; a "
				 "patch built on it cannot share that "
				 "variable yet",
				 y->name, o->key, e->ctx->base->name);
	if (k >= 0)
		build_note(e->ctx,
			   "variable %s (%s) is not in the target; "
			   "the patch carries its own copy",
			   y->name, o->key);
	d->sym = emit_local(e, o, sym);
	return 0;
}

/* A defined global of the patched link set called @name, or NULL. */
static struct objfile *emit_find_global(struct emit *e, const char *name,
					int *k)
{
	const struct build_tree *t = &e->ctx->tree[TREE_PATCHED];

	for (size_t i = 0; i < t->nobjs; i++) {
		*k = obj_find(t->objs[i], name);
		if (*k >= 0 && t->objs[i]->syms[*k].bind != STB_LOCAL)
			return t->objs[i];
	}
	return NULL;
}

/*
 * A function of the target that is an IFUNC (statically linked programs
 * define strcmp, memcpy ... so): its symbol is the resolver, so calls go to
 * the PLT entry the target's own code uses, which jumps to the chosen
 * implementation.
 */
static int emit_ifunc_ref(struct emit *e, const struct target_sym *ts,
			  struct emit_dest *d, struct error *err)
{
	uint64_t entry = target_ifunc_entry(e->ctx->target, ts->value);

	if (!entry)
		return error_set(err, -ENOTSUP,
				 "the patch calls %s, an indirect function "
				 "(IFUNC) of %s that its own code never calls "
				 "through a PLT entry, so its implementation "
				 "cannot be reached",
				 ts->name, e->ctx->target_path);
	d->sym = pbuild_symbol(&e->b, &(struct patch_symbol){
					  .name = ts->name,
					  .kind = PSYM_TARGET,
					  .value = entry,
					  .func = true,
				      });
	return 0;
}

/* A reference to undefined symbol @y. */
static int emit_undef_ref(struct emit *e, const struct obj_symbol *y,
			  bool entry, struct emit_dest *d, struct error *err)
{
	const struct target_sym *ts;
	struct objfile *def;
	int k, ret;

	if ((ret = target_lookup(e->ctx->target, y->name, NULL, -1, &ts, err)))
		return ret;
	if (ts && ts->type == STT_GNU_IFUNC)
		return emit_ifunc_ref(e, ts, d, err);
	if (ts) {
		d->sym = emit_target(e, ts);
		return 0;
	}
	def = emit_find_global(e, y->name, &k);
	if (def && def->syms[k].type == STT_FUNC)
		return emit_func_ref(e, def, (uint32_t)k, entry, d, err);
	if (def)
		return emit_data_ref(e, def, (uint32_t)k, d, err);
	if (y->type == STT_TLS)
		return emittls_foreign(y->name, e->ctx->target_path, err);
	d->sym = pbuild_symbol(&e->b, &(struct patch_symbol){
					  .name = y->name,
					  .kind = PSYM_EXTERN,
					  .func = y->type == STT_FUNC,
					  .weak = y->bind == STB_WEAK,
				      });
	return 0;
}

/* A private copy of read-only data. */
static void emit_rodata_ref(struct emit *e, const struct objfile *o,
			    const struct ref *ref, struct emit_dest *d)
{
	const struct obj_section *s = &o->secs[ref->shndx];
	struct pbuild_pool *pool =
	    ref->kind == REF_STR ? &e->b.strings : &e->b.consts;
	uint64_t off;

	if (ref->kind == REF_RODATA) {
		d->sym = pbuild_symbol(
		    &e->b, &(struct patch_symbol){
			       .name = s->name,
			       .kind = PSYM_LOCAL,
			       .section = emit_copy(e, o, ref->shndx),
			   });
		return;
	}
	off = pbuild_pool_add(&e->b, pool, s->data + ref->start, ref->len,
			      ref->align, &d->sym);
	d->addend += (int64_t)off;
}

/* Who holds relocation @r: "function foo (a.o)" or "section .x (a.o)". */
static const char *emit_holder(const struct objfile *o, uint32_t shndx,
			       const struct obj_reloc *r, char *buf, size_t len)
{
	int owner = obj_owner(o, shndx, (int64_t)r->offset);

	if (owner >= 0)
		snprintf(buf, len, "%s %s (%s)",
			 o->syms[owner].type == STT_FUNC ? "function"
							 : "variable",
			 o->syms[owner].name, o->key);
	else
		snprintf(buf, len, "section %s (%s)", o->secs[shndx].name,
			 o->key);
	return buf;
}

/* Refusals that do not depend on what is referred to. */
static int emit_check(const struct objfile *o, uint32_t shndx,
		      const struct obj_reloc *r, const struct ref *ref,
		      struct error *err)
{
	const char *what = ref_name(o, ref);
	char who[256];
	int ret;

	if (arch_reloc_class(r->type) == ARCH_RELOC_UNSUPPORTED)
		return error_set(err, -ENOTSUP,
				 "%s refers to %s through %s, which patches "
				 "do not support",
				 emit_holder(o, shndx, r, who, sizeof(who)),
				 what, arch_reloc_name(r->type));
	if ((ret = emittls_check(
		 o, r, ref, emit_holder(o, shndx, r, who, sizeof(who)), err)))
		return ret;
	if (ref->ifunc)
		return error_set(err, -ENOTSUP,
				 "%s refers to indirect function %s "
				 "(STT_GNU_IFUNC), which patches do not "
				 "support",
				 emit_holder(o, shndx, r, who, sizeof(who)),
				 what);
	if (ref->kind == REF_OTHER)
		return error_set(err, -ENOTSUP,
				 "%s refers to %s, which a patch cannot carry",
				 emit_holder(o, shndx, r, who, sizeof(who)),
				 what);
	return 0;
}

/* Bind relocation @r of copied section @c. */
static int emit_reloc(struct emit *e, const struct emit_copy *c,
		      const struct obj_reloc *r, struct error *err)
{
	struct emit_dest d = {0};
	struct ref ref;
	int ret;

	ref_resolve(c->o, c->shndx, r, &ref);
	if ((ret = emit_check(c->o, c->shndx, r, &ref, err)))
		return ret;
	d.addend = ref.addend;
	switch (ref.kind) {
	case REF_UNDEF:
		ret = emit_undef_ref(e, &c->o->syms[ref.sym],
				     ref.addend + ref.bias == 0, &d, err);
		break;
	case REF_FUNC:
		ret = emit_func_ref(e, c->o, ref.sym,
				    ref.addend + ref.bias == 0, &d, err);
		break;
	case REF_DATA:
		ret = emit_data_ref(e, c->o, ref.sym, &d, err);
		break;
	default:
		emit_rodata_ref(e, c->o, &ref, &d);
	}
	if (!ret)
		pbuild_reloc(&e->b, c->psec, r->offset, r->type, d.sym,
			     d.addend);
	return ret;
}

/* Bind the relocations of every copied section, including the sections
 * that binding copies. */
static int emit_bind_all(struct emit *e, struct error *err)
{
	for (size_t i = 0; i < e->ncopies; i++) {
		const struct obj_section *s;
		int ret;

		if (e->copies[i].bound)
			continue;
		e->copies[i].bound = true;
		s = &e->copies[i].o->secs[e->copies[i].shndx];
		for (size_t k = 0; k < s->nrelocs; k++) {
			struct emit_copy c = e->copies[i];

			if ((ret = emit_reloc(e, &c, &s->relocs[k], err)))
				return ret;
		}
	}
	return 0;
}

/* Record the replaced functions. */
static void emit_funcs(struct emit *e)
{
	for (size_t i = 0; i < e->ctx->nfns; i++) {
		struct fn_result *f = &e->ctx->fns[i];
		const struct obj_symbol *oy;

		if (!f->in_patch || f->state != FN_CHANGED || !f->tsym)
			continue;
		oy = &f->oobj->syms[f->osym];
		pbuild_func(&e->b, f->tsym->name, build_fn_file(f->oobj, oy),
			    f->tsym->value, f->tsym->size, f->pad,
			    (uint32_t)f->psym, f->cold ? PFUNC_PART : 0);
	}
}

/* The call-frame information of every code section copied, so that
 * threads inside or below patch code can be unwound (ehframe.h). */
static void emit_unwind(struct emit *e)
{
	struct ehframe_code *code = xcalloc(e->ncopies + 1, sizeof(*code));
	size_t n = 0;

	for (size_t i = 0; i < e->ncopies; i++)
		if (obj_sec_exec(&e->copies[i].o->secs[e->copies[i].shndx]))
			code[n++] = (struct ehframe_code){e->copies[i].o,
							  e->copies[i].shndx,
							  e->copies[i].psec};
	ehframe_emit(&e->b, code, n);
	free(code);
}

static void emit_header(struct emit *e)
{
	struct patch *p = e->b.p;
	const struct target *t = e->ctx->target;
	const char *base = strrchr(t->path, '/');

	snprintf(p->name, sizeof(p->name), "%s", e->ctx->opts->name);
	memcpy(p->build_id, t->build_id, t->build_id_len);
	p->build_id_len = t->build_id_len;
	p->target_file = xstrdup(base ? base + 1 : t->path);
}

/* Whether orig object @oo has a section called @name. */
static bool has_section(const struct objfile *oo, const char *name)
{
	for (size_t i = 0; oo && i < oo->nsecs; i++)
		if (oo->secs[i].name && !strcmp(oo->secs[i].name, name))
			return true;
	return false;
}

/*
 * The hooks the diff adds (suture.h): their pointer sections are copied,
 * and binding their relocations copies the hook functions.  A hook the
 * original has too (a base patch's, for a stacked patch) is not this
 * patch's.
 */
static void emit_hooks(struct emit *e)
{
	const struct build_tree *t = &e->ctx->tree[TREE_PATCHED];

	for (size_t i = 0; i < t->nobjs; i++) {
		const struct objfile *o = t->objs[i];

		for (uint32_t k = 0; k < o->nsecs; k++) {
			const char *name = o->secs[k].name;

			if (name &&
			    !strncmp(name, PATCH_HOOK_PREFIX,
				     strlen(PATCH_HOOK_PREFIX)) &&
			    !has_section(build_objpair(e->ctx, o), name))
				emit_copy(e, o, k);
		}
	}
}

int emit_patch(struct build_ctx *ctx, struct error *err)
{
	struct emit e = {.ctx = ctx};
	int ret = 0;

	pbuild_init(&e.b);
	emit_header(&e);
	for (size_t i = 0; i < ctx->nfns; i++)
		if (ctx->fns[i].in_patch)
			ctx->fns[i].psym =
			    emit_local(&e, ctx->fns[i].obj, ctx->fns[i].sym);
	emit_hooks(&e);
	if ((ret = emit_bind_all(&e, err)))
		goto out_free;
	emit_funcs(&e);
	emit_unwind(&e);
	ctx->patch = pbuild_take(&e.b);
out_free:
	pbuild_free(&e.b);
	free(e.copies);
	return ret;
}
