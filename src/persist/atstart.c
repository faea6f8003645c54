/* atstart.c - listing the preload library in /etc/ld.so.preload (see
 * atstart.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "persist/atstart.h"
#include "trust/confdir.h"
#include "util/file.h"
#include "util/xalloc.h"

/* What glibc's dynamic linker separates the file's names with. */
#define SEPARATORS ": \t\n"

/* The file's text, "" if it does not exist; the caller frees *text. */
static int read_conf(char **text, struct error *err)
{
	unsigned char *buf;
	size_t len;

	if (access(ATSTART_PRELOAD_CONF, F_OK) < 0 && errno == ENOENT) {
		*text = xstrdup("");
		return 0;
	}
	if (file_read(ATSTART_PRELOAD_CONF, &buf, &len, err))
		return -EIO;
	*text = (char *)buf;
	return 0;
}

/* Whether @line names the library. */
static bool names_lib(const char *line, size_t len)
{
	size_t n = strlen(ATSTART_LIB);

	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(line + i, ATSTART_LIB, n) &&
		    (!i || strchr(SEPARATORS, line[i - 1])) &&
		    (i + n == len || strchr(SEPARATORS, line[i + n])))
			return true;
	return false;
}

int atstart_listed(bool *listed, struct error *err)
{
	char *text;
	int ret;

	if ((ret = read_conf(&text, err)))
		return ret;
	*listed = names_lib(text, strlen(text));
	free(text);
	return 0;
}

/* @text less the lines that name the library, into a new string. */
static char *without_lib(const char *text)
{
	char *out = xmalloc(strlen(text) + 1), *o = out;

	for (const char *l = text, *end; *l; l = end) {
		end = strchr(l, '\n');
		end = end ? end + 1 : l + strlen(l);
		if (!names_lib(l, (size_t)(end - l)))
			o = mempcpy(o, l, (size_t)(end - l));
	}
	*o = '\0';
	return out;
}

/* @text with a line naming the library added, into a new string. */
static char *with_lib(const char *text)
{
	size_t n = strlen(text);

	return xasprintf("%s%s%s\n", text, n && text[n - 1] != '\n' ? "\n" : "",
			 ATSTART_LIB);
}

static int write_conf(const char *text, struct error *err)
{
	if (!*text)
		return unlink(ATSTART_PRELOAD_CONF) < 0 && errno != ENOENT
			   ? error_set(err, -errno, "cannot remove %s: %s",
				       ATSTART_PRELOAD_CONF, strerror(errno))
			   : 0;
	if (file_write_atomic(ATSTART_PRELOAD_CONF, text, strlen(text), err))
		return -EIO;
	return chmod(ATSTART_PRELOAD_CONF, 0644) < 0
		   ? error_set(err, -errno, "cannot chmod %s: %s",
			       ATSTART_PRELOAD_CONF, strerror(errno))
		   : 0;
}

int atstart_set(bool on, bool *changed, struct error *err)
{
	char *text, *next;
	bool listed;
	int ret;

	*changed = false;
	if ((ret = read_conf(&text, err)))
		return ret;
	listed = names_lib(text, strlen(text));
	if (listed == on)
		return free(text), 0;
	if (on && (ret = confdir_check_secure(ATSTART_LIB, err)) == -ENOENT)
		ret = error_set(err, -ENOENT,
				"%s is not installed (make install puts it "
				"there): nothing to list in %s",
				ATSTART_LIB, ATSTART_PRELOAD_CONF);
	if (!ret) {
		next = on ? with_lib(text) : without_lib(text);
		ret = write_conf(next, err);
		*changed = !ret;
		free(next);
	}
	free(text);
	return ret;
}
