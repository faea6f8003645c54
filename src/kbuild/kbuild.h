/*
 * kbuild.h - `suture kbuild`: a livepatch module for a running Linux kernel
 * from its source tree and a diff, made with the same comparison engine as
 * `suture build` (src/build/pipeline.h).
 *
 * The stages, each in its own file, share the one context below:
 *
 *   kdiff.c    the .c files the diff touches, and the objects they make;
 *              anything else (a header, a Makefile) is refused
 *   ktree.c    one scratch work tree over the prepared source (an overlay
 *              mount, or a copy where mounting is not allowed)
 *   kmake.c    build those objects with the kernel's own make, with
 *              function and data sections, before and after the diff
 *   ktarget.c  which object of the running kernel they belong to: vmlinux
 *              (from the -dbg package) or a module file
 *   kcheck.c   the engine: the rebuilt original must match that object;
 *              then which functions changed, refused data changes; and
 *              the kernel's own refusals (untraceable functions, __init,
 *              special sections not carried yet)
 *   kemit.c    the changed functions as an ELF object, their references
 *              to symbols not exported split off as livepatch relocations
 *   khook.c    the patch's hooks (suture-klp.h) as its klp_object's
 *              callbacks
 *   kmodule.c  the klp_patch C file and the module, linked by kbuild
 *   kklp.c     the livepatch relocations written into the linked module
 *
 * Library code: no printing, errors in struct error, the long explanation
 * of a refusal in ctx->engine.detail.
 */
#ifndef SUTURE_KBUILD_KBUILD_H
#define SUTURE_KBUILD_KBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "build/pipeline.h"
#include "util/error.h"

/* What the user asked for. */
struct kbuild_opts {
	const char *src;     /* prepared kernel tree (never written) */
	const char *diff;    /* unified diff, applied with patch -p1 */
	const char *vmlinux; /* the running kernel's vmlinux, with symbols */
	const char *modules; /* its /lib/modules/RELEASE directory */
	const char *out;     /* the .ko to write */
	const char *name;    /* module name ([a-z0-9_]) */
	const char *scratch; /* parent of the scratch directory, or NULL */
	bool replace;	     /* klp_patch.replace: atomic replace */
	bool keep;	     /* keep the scratch directory */
	void (*note)(void *arg, const char *msg);
	void (*warn)(void *arg, const char *msg);
	void *note_arg;
};

/* One object file the diff touches. */
struct kobj {
	char *source; /* "fs/proc/cmdline.c" */
	char *target; /* "fs/proc/cmdline.o": what make builds */
};

/*
 * A livepatch relocation: a field of the patch code that refers to a
 * symbol the module loader cannot resolve (not exported, or static), to
 * be resolved by livepatch against object @objname when it is loaded.
 */
struct klp_reloc {
	char *section; /* the patch section holding the field */
	uint64_t offset;
	uint32_t type;
	int64_t addend;
	char *objname; /* "vmlinux" or the module name */
	char *symbol;
	unsigned long sympos; /* 0: the name is unique there */
};

/* A function the module replaces. */
struct kfunc {
	char *old_name;
	unsigned long old_sympos;
	char *new_sym; /* its copy's global symbol in the patch object */
};

/* A hook of the patch (include/suture-klp.h): its wrapper's symbol. */
struct khook {
	int kind;  /* index into khook_kinds */
	char *sym; /* "__suture_klp_post_apply_FN__sutureN" */
};

struct kbuild_ctx {
	const struct kbuild_opts *opts;
	char *scratch; /* our scratch directory */
	char *work;    /* the work tree (overlay mount point or copy) */
	bool mounted;  /* work is an overlay mount to undo */
	struct kobj *objs;
	size_t nobjs;
	char *objname;		 /* "vmlinux" or the module name */
	char *target;		 /* the file the running code came from */
	struct build_opts bopts; /* for the shared engine */
	struct build_ctx engine; /* trees, target, results */
	struct klp_reloc *klp;
	size_t nklp, klp_cap;
	struct kfunc *funcs;
	size_t nfuncs, funcs_cap;
	struct khook *hooks;
	size_t nhooks, hooks_cap;
	char *code_o;  /* the patch object kemit wrote */
	char *mod_dir; /* the kbuild directory of the module */
};

int kbuild_run(struct kbuild_ctx *ctx, struct error *err);
void kbuild_ctx_free(struct kbuild_ctx *ctx);

/* Stages. */
int kdiff_read(struct kbuild_ctx *ctx, struct error *err);
int ktree_prepare(struct kbuild_ctx *ctx, struct error *err);
int ktree_apply(struct kbuild_ctx *ctx, struct error *err);
/* ktree_release undoes the mount; ktree_remove also removes the scratch
 * directory unless opts->keep. */
void ktree_release(struct kbuild_ctx *ctx);
void ktree_remove(struct kbuild_ctx *ctx);
int kmake_build(struct kbuild_ctx *ctx, enum build_tree_id which,
		struct error *err);
int ktarget_find(struct kbuild_ctx *ctx, struct error *err);
int kcheck_run(struct kbuild_ctx *ctx, struct error *err);
int kemit_write(struct kbuild_ctx *ctx, struct error *err);
/* khook_note - if new function @name of the patch is a hook's wrapper,
 * remember it by its symbol @sym in the patch object. */
void khook_note(struct kbuild_ctx *ctx, const char *name, const char *sym);
/* khook_write - the callbacks into @f, and SUTURE_CALLBACKS, the
 * klp_object's initializer of them. */
void khook_write(const struct kbuild_ctx *ctx, FILE *f);
/* The text of include/suture-klp.h (kheader.c). */
extern const char suture_klp_h_text[];
int kmodule_build(struct kbuild_ctx *ctx, struct error *err);
int kklp_write(struct kbuild_ctx *ctx, const char *ko, struct error *err);

/* kbuild_run_tool - run @argv in @cwd, output to the scratch log; nonzero
 * exit is refused naming @what, with the log's tail in the detail. */
int kbuild_run_tool(struct kbuild_ctx *ctx, char *const *argv, const char *cwd,
		    const char *what, struct error *err);

/* Symbols of the kernel ABI: whether @name is exported (Module.symvers
 * of the prepared tree). */
bool ksymvers_exported(const struct kbuild_ctx *ctx, const char *name);

#endif
