/*
 * khook.c - the patch's hooks as the callbacks of its klp_object.
 *
 * include/suture-klp.h turns SUTURE_PRE_APPLY(fn) and its kin into a global
 * wrapper __suture_klp_KIND_FN, a new function of the patch that kemit.c
 * carries like any other.  Here each wrapper found becomes a call in the
 * callback of its kind, in the order the object has them:
 *
 *   pre_apply -> pre_patch    post_apply  -> post_patch
 *   pre_revert -> pre_unpatch post_revert -> post_unpatch
 *
 * pre_patch stops at the first hook returning non-zero and returns it
 * (a positive value as -ECANCELED: the kernel expects an errno), which
 * makes klp_enable_patch, and so the module's load, fail.  The
 * klp_object's initializer takes them as SUTURE_CALLBACKS.
 */
#include <string.h>

#include "kbuild/kbuild.h"
#include "util/xalloc.h"

static const struct {
	const char *prefix; /* of the wrapper's name */
	const char *callback;
} khook_kinds[] = {
    {"__suture_klp_pre_apply_", "pre_patch"},
    {"__suture_klp_post_apply_", "post_patch"},
    {"__suture_klp_pre_revert_", "pre_unpatch"},
    {"__suture_klp_post_revert_", "post_unpatch"},
};

#define KHOOK_KINDS (sizeof(khook_kinds) / sizeof(*khook_kinds))

void khook_note(struct kbuild_ctx *ctx, const char *name, const char *sym)
{
	/* A split-off part (NAME.cold) or clone is not the entry point. */
	if (strchr(name, '.'))
		return;
	for (size_t k = 0; k < KHOOK_KINDS; k++) {
		if (strncmp(name, khook_kinds[k].prefix,
			    strlen(khook_kinds[k].prefix)))
			continue;
		XGROW(ctx->hooks, ctx->hooks_cap, ctx->nhooks + 1);
		ctx->hooks[ctx->nhooks++] =
		    (struct khook){.kind = (int)k, .sym = xstrdup(sym)};
		return;
	}
}

static bool khook_any(const struct kbuild_ctx *ctx, size_t kind)
{
	for (size_t i = 0; i < ctx->nhooks; i++)
		if (ctx->hooks[i].kind == (int)kind)
			return true;
	return false;
}

/* The callback of @kind: calls its hooks in order. */
static void khook_callback(const struct kbuild_ctx *ctx, size_t kind, FILE *f)
{
	bool pre = kind == 0;

	fprintf(f, "static %s suture_%s(struct klp_object *obj)\n{\n",
		pre ? "int" : "void", khook_kinds[kind].callback);
	if (pre)
		fprintf(f, "\tint r;\n\n");
	for (size_t i = 0; i < ctx->nhooks; i++) {
		if (ctx->hooks[i].kind != (int)kind)
			continue;
		if (pre)
			fprintf(f,
				"\tif ((r = %s()))\n"
				"\t\treturn r < 0 ? r : -ECANCELED;\n",
				ctx->hooks[i].sym);
		else
			fprintf(f, "\t%s();\n", ctx->hooks[i].sym);
	}
	fprintf(f, pre ? "\treturn 0;\n}\n\n" : "}\n\n");
}

void khook_write(const struct kbuild_ctx *ctx, FILE *f)
{
	for (size_t i = 0; i < ctx->nhooks; i++)
		fprintf(f, "%s %s(void);\n",
			ctx->hooks[i].kind ? "void" : "int", ctx->hooks[i].sym);
	for (size_t k = 0; k < KHOOK_KINDS; k++)
		if (khook_any(ctx, k))
			khook_callback(ctx, k, f);
	fprintf(f, "#define SUTURE_CALLBACKS {");
	for (size_t k = 0; k < KHOOK_KINDS; k++)
		if (khook_any(ctx, k))
			fprintf(f, " .%s = suture_%s,", khook_kinds[k].callback,
				khook_kinds[k].callback);
	fprintf(f, " }\n\n");
}
