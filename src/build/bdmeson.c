/*
 * bdmeson.c - the configure command of a meson build directory.
 *
 * meson-private/cmd_line.txt keeps the options the user gave `meson setup`
 * (and later `meson configure`), as meson itself reads them back on
 * --wipe: they go back as -DNAME=VALUE.  The compiler arguments are taken
 * instead from meson-info/intro-buildoptions.json, where they are final:
 * meson folds CFLAGS, LDFLAGS and CPPFLAGS of the first setup's environment
 * into c_args and c_link_args, and cmd_line.txt does not show those; they
 * go as list literals, which keep arguments with commas whole.  The C
 * compiler is the one meson's log reports for the host machine, given by
 * name in CC, so that the wrapper first on PATH is found.  Native and
 * cross files are refused: their settings are not carried to the copies.
 */
#include <errno.h>
#include <stdbool.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "build/builddir.h"
#include "util/file.h"
#include "util/xalloc.h"

/* Whether @name is a compiler-arguments option (c_args, c_link_args...). */
static bool bdmeson_is_args(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && !strcmp(name + n - 5, "_args");
}

/* One "key = value" line of cmd_line.txt's section @sect. */
static int bdmeson_line(struct builddir *b, const char *sect, char *line,
			struct error *err)
{
	char *eq = strstr(line, " = ");

	if (!eq)
		return 0;
	*eq = '\0';
	if (!strcmp(sect, "properties") && strcmp(eq + 3, "[]"))
		return error_set(err, -ENOTSUP,
				 "the meson build directory %s was set up "
				 "with a %s (%s); suture does not carry it "
				 "to its copies: set the build up without it",
				 b->user, line, eq + 3);
	if (!strcmp(sect, "options") && !bdmeson_is_args(line))
		builddir_push(b, xasprintf("-D%s=%s", line, eq + 3));
	return 0;
}

static int bdmeson_cmd_line(struct builddir *b, struct error *err)
{
	char *path = xasprintf("%s/meson-private/cmd_line.txt", b->user);
	char *save = NULL, *sect = "";
	unsigned char *buf;
	size_t len;
	int ret = file_read(path, &buf, &len, err);

	free(path);
	if (ret)
		return ret;
	for (char *line = strtok_r((char *)buf, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '[') {
			line[1 + strcspn(line + 1, "]")] = '\0';
			sect = line + 1;
		} else {
			ret = bdmeson_line(b, sect, line, err);
		}
	}
	free(buf);
	return ret;
}

/* The final compiler arguments of the host machine. */
static int bdmeson_args(struct builddir *b, struct error *err)
{
	char *path =
	    xasprintf("%s/meson-info/intro-buildoptions.json", b->user);
	json_error_t jerr;
	json_t *opts = json_load_file(path, 0, &jerr), *o;
	size_t i;

	if (!json_is_array(opts)) {
		error_set(err, -EINVAL, "cannot read %s: %s", path, jerr.text);
		free(path);
		json_decref(opts);
		return -EINVAL;
	}
	free(path);
	json_array_foreach(opts, i, o)
	{
		const char *name =
		    json_string_value(json_object_get(o, "name"));
		const char *mach =
		    json_string_value(json_object_get(o, "machine"));
		json_t *val = json_object_get(o, "value");
		char *lit;

		if (!name || !bdmeson_is_args(name) || !json_is_array(val) ||
		    !mach || strcmp(mach, "host"))
			continue;
		lit = json_dumps(val, JSON_COMPACT);
		builddir_push(b, xasprintf("-D%s=%s", name, lit));
		free(lit);
	}
	json_decref(opts);
	return 0;
}

/* The host's C compiler from meson's log: "C compiler for the host
 * machine: cc (gcc 12.2.0 ...)"; the last word of its command (after a
 * ccache, which the copies do without). */
static int bdmeson_compiler(struct builddir *b, struct error *err)
{
	static const char tag[] = "C compiler for the host machine: ";
	char *path = xasprintf("%s/meson-logs/meson-log.txt", b->user);
	unsigned char *buf;
	char *at, *end, *word;
	size_t len;
	int ret = file_read(path, &buf, &len, err);

	if (ret) {
		free(path);
		return ret;
	}
	if (!(at = strstr((char *)buf, tag)))
		ret = error_set(err, -EINVAL,
				"%s does not say which C compiler the build "
				"uses; set the build directory up again "
				"(meson setup --wipe)",
				path);
	if (!ret) {
		at += strlen(tag);
		end = strstr(at, " (");
		*(end ? end : at + strcspn(at, "\n")) = '\0';
		word = strrchr(at, ' ');
		b->compiler_path = xstrdup(word ? word + 1 : at);
		word = strrchr(b->compiler_path, '/');
		b->compiler = xstrdup(word ? word + 1 : b->compiler_path);
	}
	free(buf);
	free(path);
	return ret;
}

int bdmeson_read(struct builddir *b, struct error *err)
{
	int ret;

	builddir_push(b, xstrdup("meson"));
	builddir_push(b, xstrdup("setup"));
	if ((ret = bdmeson_cmd_line(b, err)) || (ret = bdmeson_args(b, err)) ||
	    (ret = bdmeson_compiler(b, err)))
		return ret;
	builddir_push(b, xstrdup(b->rel));
	b->build = xcalloc(4, sizeof(*b->build));
	b->build[0] = xstrdup("ninja");
	b->build[1] = xstrdup("-C");
	b->build[2] = xstrdup(b->rel);
	return 0;
}
