/*
 * pipeline.h - `suture build`: making a patch by comparing object code.
 *
 * The stages run in this order, each in its own file, each taking the one
 * context below and adding what it found:
 *
 *   tree.c      copy the source tree twice (orig/, patched/) into a scratch
 *               directory, leaving out build products (products.c); run
 *               the --clean step in both; apply the diffs to patched/
 *   bdrun.c     (builddir_prepare) the copies' CMake or meson build
 *               directories (builddir.h), configured by run.c before
 *               the builds
 *   treecache.c (treecache_restore) put the original's build back from
 *               the build cache if it holds it (cache.h)
 *   run.c       build orig/ (unless restored), then patched/, with the
 *               compiler wrapper first on PATH and an object cache shared
 *               by both, inside the --root file system if given
 *               (sandbox.c); runwatch.c counts their compiles meanwhile
 *   objects.c   read the wrapper's logs; load the objects linked into the
 *               binary, pair orig and patched objects, tell same-named
 *               source files apart in the target
 *   treecache.c (treecache_store) keep the original's build in the cache
 *   target.c    (library) load the running binary: build id, symbols
 *   debugfile.c its symbols from a separate debug file if stripped
 *   verify.c    refuse unless the rebuilt original matches the target
 *   compare.c   classify every function: unchanged, changed, new, or
 *               changed only in __LINE__ constants
 *   noreturn.c  warn about a changed function a thread never leaves
 *               (main, code that cannot return): apply would time out
 *   datacheck.c refuse changes to the layout or type of data the process
 *               holds (from both builds' DWARF, via dwtypes.c)
 *   compare.c   (compare_variables) refuse a changed size or initializer
 *               of an existing variable, from the symbols: also without
 *               DWARF; and a diff that changes no code
 *   emit.c      build the struct patch: new code, private constants,
 *               references into the target
 *   farcheck.c  warn about references to other modules that apply could
 *               not rewrite to reach them (apply/farref.h)
 *   record.c    the patch's info build record
 *
 * Helpers: ccwrap.c/ccsplit.c (the compiler wrapper), objcache.c (its
 * object cache), cache.c/cachefile.c/cachekey.c (the build cache's
 * directory, entries and keys), cachedeps.c/cacheinputs.c (what a build
 * read outside the tree), cclog.c (the wrapper's log), presence.c,
 * refcheck.c (what functions refer to) and mismatch.c/producer.c (what
 * verify.c checks and says),
 * spawn.c (running programs), objfile.c (ELF objects), normalize.c (what a
 * relocation refers to), emittls.c (thread-local references: existing
 * variables only), pair.c (orig vs patched symbols), lineonly.c
 * (__LINE__-only changes, proven with dwlines.c: instruction to source
 * line), pbuild.c (assembling a struct patch).
 *
 * build_run() in build.c drives them.  Stages never print; they report
 * progress through opts->note (details) and opts->progress (which stage
 * runs), what the user should know but does not
 * stop the build through opts->warn, and failures through struct error, with a
 * longer explanation (a build log tail, a list of mismatches) in
 * ctx->detail for the command to print.
 */
#ifndef SUTURE_BUILD_PIPELINE_H
#define SUTURE_BUILD_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "build/cache.h"
#include "build/cclog.h"
#include "build/objfile.h"
#include "build/target.h"
#include "patchfile/patch.h"
#include "util/error.h"

struct builddir;

/* What the user asked for (input; stages never change it). */
struct build_opts {
	const char *src_dir;	    /* tree the running binary came from */
	const char *const *patches; /* diffs, applied in order */
	size_t npatches;
	const char *binary;	/* artifact to patch, relative to tree */
	const char *target;	/* running binary; NULL: src_dir/binary */
	const char *debug_file; /* its separate debug file, or NULL */
	const char *build_dir;	/* the user's CMake or meson build directory
				   (--binary is then relative to it), or
				   NULL: found from --binary (builddir.h) */
	const char *root;	/* build inside this root file system, or
				   NULL: on the host */
	const char *name;	/* patch name */
	const char *on;		/* patch file this one builds on, or
				   NULL (suture build --on) */
	char *const *command;	/* build command; NULL: "make" */
	const char *clean;	/* the tree's clean step (run by sh -c in
				   both copies before the diffs), or NULL */
	const char *cache_dir;	/* the build cache (cache.h), or NULL:
				   build everything */
	bool cache_shared;	/* it may be group-writable (cachetrust.c) */
	unsigned build_timeout; /* seconds a build command may run; 0: no
				   limit (runwatch.h) */
	bool keep;		/* keep the scratch directory */
	bool accept_no_debug;	/* build although objects have no DWARF:
				   their data goes unchecked (recorded) */
	void (*note)(void *arg, const char *msg); /* progress, may be NULL */
	void (*warn)(void *arg, const char *msg); /* warnings, may be NULL */
	/* which stage runs and how far it is, may be NULL: @stage true
	 * when a stage begins or ends, false for a count within it (at
	 * most a few a second, for a terminal's status line) */
	void (*progress)(void *arg, const char *msg, bool stage);
	void *note_arg; /* for all three */
};

enum build_tree_id { TREE_ORIG, TREE_PATCHED, TREE_COUNT };

/* One scratch copy of the source tree and what its build produced. */
struct build_tree {
	const char *label; /* "orig" or "patched" */
	char *root;	   /* real path of the copy */
	char *log_path;	   /* build output */
	char *cclog_path;  /* compiler calls */
	struct cclog *cclog;
	struct objfile **objs; /* the link set */
	size_t nobjs;
	bool fallback; /* no link command found: all compiled objects */
	bool cached;   /* restored from the build cache, not built */
};

enum fn_state {
	FN_UNCHANGED,
	FN_CHANGED,
	FN_LINE_ONLY, /* differs only in __LINE__ constants: not patched */
	FN_NEW,
};

/* A function of a patched object and what became of it. */
struct fn_result {
	struct objfile *obj;  /* patched object */
	uint32_t sym;	      /* index in obj->syms */
	struct objfile *oobj; /* orig counterpart's object, NULL if new */
	uint32_t osym;
	enum fn_state state;
	const struct target_sym *tsym; /* counterpart in the target */
	bool cold;		       /* a split-off part (foo.cold) */
	bool in_patch;		       /* its code goes into the patch */
	uint64_t pad; /* padding its trampoline spills into (padroom.h) */
	bool needed;  /* copied because patched code calls it and the
			 target has no copy of it */
	int64_t psym; /* its PSYM_LOCAL in the patch, -1 until emitted */
};

struct build_ctx {
	const struct build_opts *opts;
	char *src_real; /* real path of opts->src_dir */
	char *target_path;
	char *binary;	       /* --binary's path in a copy */
	struct builddir *bdir; /* the build directory, or NULL (builddir.h) */
	char *scratch;	       /* scratch directory */
	const char *cache;     /* opts->cache_dir, or NULL if not used here */
	bool cache_store;      /* it can be written */
	struct cache_mac cache_mac; /* its key (cache_open) */
	char *tree_key;		    /* the orig tree's key in it, or NULL */
	struct build_tree tree[TREE_COUNT];
	struct target *target;
	size_t nverified; /* functions checked against the target */
	struct fn_result *fns;
	size_t nfns, fns_cap;
	size_t nunchanged;
	struct patch *patch;
	struct patch *base; /* opts->on, read by base_load, or NULL */
	char **base_diffs;  /* its diffs, written into the scratch dir */
	size_t nbase_diffs;
	char *detail; /* multi-line explanation of a failure, or NULL */
	size_t data_types, data_vars; /* types and variables data_check
					 compared */
	const char **data_unchecked;  /* keys of the objects it could not
					 check (no DWARF), accepted with
					 opts->accept_no_debug */
	size_t ndata_unchecked, data_unchecked_cap;
	char **data_warnings; /* what data_check accepted but the author
				 should know (full sentences) */
	size_t ndata_warnings, data_warnings_cap;
};

/* build_run - run every stage; on success ctx->patch is ready to write. */
int build_run(struct build_ctx *ctx, struct error *err);

/* build_ctx_free - release everything; removes the scratch directory
 * unless opts->keep. */
void build_ctx_free(struct build_ctx *ctx);

/* build_note - report progress through opts->note (printf-style). */
void build_note(const struct build_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* build_progress - report which stage runs, or a count within it, through
 * opts->progress (printf-style). */
void build_progress(const struct build_ctx *ctx, bool stage, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

/* build_warn - report a warning through opts->warn (printf-style). */
void build_warn(const struct build_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* build_command - the build command: opts->command, or "make". */
char *const *build_command(const struct build_ctx *ctx);

/* build_detail - append a line to ctx->detail (printf-style). */
void build_detail(struct build_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The stages, in order. */
int debugfile_attach(struct build_ctx *ctx, struct error *err);
int tree_prepare(struct build_ctx *ctx, struct error *err);
int treecache_restore(struct build_ctx *ctx, struct error *err);
int run_builds(struct build_ctx *ctx, struct error *err);
int objects_load(struct build_ctx *ctx, struct error *err);
void treecache_store(struct build_ctx *ctx);
int verify_target(struct build_ctx *ctx, struct error *err);
int compare_objects(struct build_ctx *ctx, struct error *err);
void noreturn_warn(const struct build_ctx *ctx);
int data_check(struct build_ctx *ctx, struct error *err);
int compare_variables(struct build_ctx *ctx, struct error *err);
int emit_patch(struct build_ctx *ctx, struct error *err);
void farcheck_warn(const struct build_ctx *ctx);
int record_info(struct build_ctx *ctx, struct error *err);

/*
 * The patch a stacked patch builds on (base.c).  base_load reads opts->on
 * and checks it is for the same binary; base_write_diffs puts its diffs
 * (all those it was built from, in order) into the scratch directory, for
 * tree_prepare to apply to both trees before the new ones; base_running
 * tells verify_target what code runs at function @ts (called @name) of the
 * target once the base patch is applied, for the rebuilt "original" to be
 * compared with: the base's replacement if it replaced the function, else
 * the target's own bytes; false when neither can be compared (the base
 * only shifted its __LINE__ constants).  out->bytes is NULL if the code is
 * not at hand.  base_stamp records the dependency in the new patch;
 * base_diffs_json is the base's diffs for the build record (a new
 * reference).
 */
struct base_code {
	const unsigned char *bytes;
	uint64_t size;
	char where[PATCH_NAME_MAX + 16]; /* "the target", "patch 'NAME'" */
	bool own; /* the target's own code, not a base patch's */
};
int base_load(struct build_ctx *ctx, struct error *err);
int base_write_diffs(struct build_ctx *ctx, struct error *err);
bool base_running(const struct build_ctx *ctx, const struct target_sym *ts,
		  const char *name, struct base_code *out);
void base_stamp(struct build_ctx *ctx);
struct json_t *base_diffs_json(const struct build_ctx *ctx);

/* data_check_json - what data_check compared, for the build record (a new
 * reference): {"types", "variables", "objects_without_dwarf" (a count),
 * "unchecked_objects" (their keys), "warnings"}. */
struct json_t *data_check_json(const struct build_ctx *ctx);

/*
 * build_spawn - start @argv in @cwd with @env added (as spawn_start), on
 * the host or, with opts->root, inside the root (sandbox.c).
 * build_helper - run @argv in the scratch directory the same way and wait;
 * its status as spawn_run's.
 */
int build_spawn(const struct build_ctx *ctx, char *const *argv, const char *cwd,
		char *const *env, const char *log_path, pid_t *pid,
		struct error *err);
int build_helper(const struct build_ctx *ctx, char *const *argv,
		 const char *log_path, struct error *err);

/* build_capture - the first line @argv prints, run by build_helper, or
 * NULL if it fails or prints nothing.  A new string. */
char *build_capture(const struct build_ctx *ctx, char *const *argv);

/* packages_json - the Debian packages (and versions) that provided
 * @compiler, the libc headers and each library the target links against
 * (packages.c), for the build record.  A new reference. */
struct json_t;
struct json_t *packages_json(const struct build_ctx *ctx, const char *compiler);

/*
 * presence_check - list in ctx->detail (at most @show) the functions that
 * only one of the target and the linked rebuilt original has (presence.c);
 * returns how many there are.
 */
size_t presence_check(struct build_ctx *ctx, size_t show);

/*
 * Build products (products.c), which the copies leave out.  product_file:
 * whether the file at @path is one by content (ELF, ar archive, libtool's
 * generated files); product_dir: whether a directory named @name holds
 * only products (.libs, _libs).  products_explain: after the build of @t
 * failed, add to @err's message the left-out product its log says is
 * missing, if any, and what to do.
 */
bool product_file(const char *path);
bool product_dir(const char *name);
void products_explain(const struct build_ctx *ctx, const struct build_tree *t,
		      struct error *err);

/* The text of include/suture.h (header.c), NUL-terminated. */
extern const char suture_h_text[];

/* build_objpair - the orig object paired with patched object @o, or NULL. */
struct objfile *build_objpair(const struct build_ctx *ctx,
			      const struct objfile *o);

/*
 * build_pair - the orig counterpart of defined symbol @y of patched object
 * @o, of the same type: statics in the paired object, globals anywhere in
 * the link set.  Returns its index in *oobj, or -1 (*oobj NULL).
 */
int build_pair(const struct build_ctx *ctx, const struct objfile *o,
	       const struct obj_symbol *y, struct objfile **oobj);

/* build_fn - the result for symbol @sym of patched object @o, or NULL. */
struct fn_result *build_fn(const struct build_ctx *ctx, const struct objfile *o,
			   uint32_t sym);

/* build_fn_file - the STT_FILE name to look a static up by, or NULL for
 * a global: what target_lookup() wants for symbol @y of @o. */
const char *build_fn_file(const struct objfile *o, const struct obj_symbol *y);

/* build_lookup - symbol @y of orig object @o in the target (see
 * target_lookup; *out NULL if absent). */
int build_lookup(const struct build_ctx *ctx, const struct objfile *o,
		 const struct obj_symbol *y, const struct target_sym **out,
		 struct error *err);

#endif
