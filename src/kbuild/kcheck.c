/*
 * kcheck.c - the comparison, by the engine `suture build` uses, and what
 * the kernel adds to its refusals.
 *
 * The engine's stages run unchanged on the kernel objects: verify_target
 * (the rebuilt original is the running vmlinux or module, function by
 * function), compare_objects (what changed), data_check and
 * compare_variables (no data layout or initializer changes).
 *
 * Then each function going into the patch is checked for what livepatch
 * needs or what the emitter cannot carry yet:
 * - its original must be traceable: livepatch redirects a function through
 *   ftrace, which needs the `call __fentry__` at its entry (notrace
 *   functions have none);
 * - __init code has run and is freed: a change there cannot be applied;
 * - special sections pointing into it (alternatives, jump labels, static
 *   calls, exception and bug tables, ...) need loader support the emitted
 *   module does not have yet, so the patch is refused naming them.  The
 *   ones that are safe to leave out are listed in kcheck_dropped.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kbuild/kbuild.h"

/*
 * Sections pointing into code that the patch can leave out: the patched
 * copy then keeps the code as compiled, which is correct (the ftrace call
 * site stays a call to __fentry__, returns go through the return thunk,
 * indirect calls through the retpoline thunks, lock prefixes stay, an
 * export or an initcall names the original, which livepatch redirects).
 * Leaving out the ORC entries makes stack traces through the new code
 * unreliable: a task sleeping in it delays the transition, never breaks it.
 */
static const char *const kcheck_dropped[] = {
    "__mcount_loc",
    ".return_sites",
    ".retpoline_sites",
    ".call_sites",
    ".smp_locks",
    ".orc_unwind_ip",
    ".ibt_endbr_seal",
    "___ksymtab",
    "__ksymtab",
    ".discard",
    ".initcall",
    ".text",
    ".init.text",
    ".exit.text",
    ".rodata",
    ".data",
    ".bss",
    ".debug",
    ".init.data",
    ".exit.data",
    ".ref.data",
    "__param",
    NULL,
};

static bool kcheck_is_dropped(const char *name)
{
	for (size_t i = 0; kcheck_dropped[i]; i++)
		if (!strncmp(name, kcheck_dropped[i],
			     strlen(kcheck_dropped[i])))
			return true;
	return false;
}

/* A section other than the harmless ones with a relocation to section
 * @shndx of @o (the function's): its name, or NULL. */
static const char *kcheck_special(const struct objfile *o, uint32_t shndx)
{
	for (size_t s = 1; s < o->nsecs; s++) {
		const struct obj_section *sec = &o->secs[s];

		if (!sec->name || kcheck_is_dropped(sec->name))
			continue;
		for (size_t r = 0; r < sec->nrelocs; r++)
			if (o->syms[sec->relocs[r].sym].shndx == shndx)
				return sec->name;
	}
	return NULL;
}

/* Whether @y of @o starts with a call to __fentry__. */
static bool kcheck_traced(const struct objfile *o, const struct obj_symbol *y)
{
	size_t first;
	size_t n = obj_relocs_in(o, y->shndx, y->value, 5, &first);

	for (size_t i = first; i < first + n; i++) {
		const struct obj_reloc *r = &o->secs[y->shndx].relocs[i];

		if (!strcmp(o->syms[r->sym].name, "__fentry__"))
			return true;
	}
	return false;
}

static int kcheck_fn(const struct fn_result *f, struct error *err)
{
	const struct obj_symbol *y = &f->obj->syms[f->sym];
	const char *sec = f->obj->secs[y->shndx].name, *special;

	if (!strncmp(sec, ".init.", 6))
		return error_set(err, -EINVAL,
				 "function %s (%s) is __init code, which ran "
				 "at boot or module load and is freed: a "
				 "change to it cannot be applied live",
				 y->name, f->obj->key);
	if (f->state == FN_CHANGED && !f->cold &&
	    !kcheck_traced(f->oobj, &f->oobj->syms[f->osym]))
		return error_set(err, -EINVAL,
				 "function %s (%s) cannot be traced (it is "
				 "notrace or has no call to __fentry__): "
				 "livepatch redirects functions through "
				 "ftrace; change a traceable caller instead",
				 y->name, f->obj->key);
	if ((special = kcheck_special(f->obj, y->shndx)))
		return error_set(err, -EINVAL,
				 "function %s (%s) has entries in %s, which "
				 "suture kbuild cannot carry into a livepatch "
				 "module yet; the patch would be wrong "
				 "without them",
				 y->name, f->obj->key, special);
	return 0;
}

/* data_check's refusal speaks of a process and of suture.h's shadow data;
 * say it for the kernel (the list of what changes stays in the detail). */
static int kcheck_data(struct build_ctx *e, struct error *err)
{
	int ret = data_check(e, err);
	size_t n;

	if (ret != -EINVAL ||
	    sscanf(err->msg, "the patch changes the layout or type of %zu",
		   &n) != 1)
		return ret;
	error_clear(err);
	return error_set(err, -EINVAL,
			 "the patch changes the layout or type of %zu piece%s "
			 "of data the running kernel holds (listed below): "
			 "the new code would use objects the old code built "
			 "with the old layout.  Keep the old layout (suture "
			 "kbuild does not attach new fields as klp_shadow_* "
			 "data yet)",
			 n, n == 1 ? "" : "s");
}

int kcheck_run(struct kbuild_ctx *ctx, struct error *err)
{
	struct build_ctx *e = &ctx->engine;
	int ret;

	if ((ret = verify_target(e, err)) || (ret = compare_objects(e, err)) ||
	    (ret = kcheck_data(e, err)) || (ret = compare_variables(e, err)))
		return ret;
	for (size_t i = 0; i < e->nfns; i++)
		if (e->fns[i].in_patch && (ret = kcheck_fn(&e->fns[i], err)))
			return ret;
	return 0;
}
