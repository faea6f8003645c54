/*
 * cclog.h - the compiler calls a build made, as the wrapper (ccwrap.c)
 * recorded them, and what follows from them: which objects are linked into
 * the binary being patched, and which source file each object comes from.
 */
#ifndef SUTURE_BUILD_CCLOG_H
#define SUTURE_BUILD_CCLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

enum cc_kind {
	CC_OTHER,   /* --version, -E, -M, -S ...: produces nothing we use */
	CC_COMPILE, /* -c: source -> object */
	CC_LINK,    /* objects -> executable or shared library */
};

struct cc_cmd {
	enum cc_kind kind;
	char *cwd;
	char *compiler; /* the real compiler the wrapper ran */
	char **argv;	/* as the build wrote it, NULL-terminated */
	size_t argc;
	char *output;  /* absolute (resolved against cwd), or NULL */
	char **inputs; /* absolute paths of the file operands */
	size_t ninputs;
	bool has_sources; /* some input is a source file */
	bool cache_hit;	  /* the object came from the build cache */
};

struct cclog {
	struct cc_cmd *cmds;
	size_t n;
};

/* cclog_read - parse the JSON lines at @path (a missing file is empty). */
int cclog_read(const char *path, struct cclog **out, struct error *err);
void cclog_free(struct cclog *log);

/*
 * cclog_link_set - the objects that make up @binary_rel of the tree at
 * @root: the inputs (.o and .a) of the last command that linked it, as
 * paths relative to @root.  When no command linked it, every object a
 * compile command produced, and *fallback is set.  The caller frees
 * (*rels)[i] and *rels.
 */
int cclog_link_set(const struct cclog *log, const char *root,
		   const char *binary_rel, char ***rels, size_t *n,
		   bool *fallback, struct error *err);

/* cclog_linker_of - the last command that linked @abs_binary, or NULL. */
const struct cc_cmd *cclog_linker_of(const struct cclog *log,
				     const char *abs_binary);

/* cclog_producer - the last compile command that wrote @abs_obj, or NULL. */
const struct cc_cmd *cclog_producer(const struct cclog *log,
				    const char *abs_obj);

/* cclog_source - the first source operand of compile command @c. */
const char *cclog_source(const struct cc_cmd *c);

/* Elements of a static array. */
#define CCLOG_LEN(a) (sizeof(a) / sizeof(*(a)))

/* cclog_in_list - whether compiler argument @s is one of @list's @n. */
bool cclog_in_list(const char *s, const char *const *list, size_t n);

/* cclog_is_source - whether command-line operand @arg is a source file. */
bool cclog_is_source(const char *arg);

/* cclog_takes_arg - whether option @arg takes the next word as its
 * argument ("-o", "-I", "-include", ...). */
bool cclog_takes_arg(const char *arg);

/* cclog_stem - the file name of @path without directory and suffix. */
char *cclog_stem(const char *path);

#endif
