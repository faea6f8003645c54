/*
 * ksymvers.c - which symbols the kernel exports, from the prepared tree's
 * Module.symvers ("CRC<TAB>NAME<TAB>MODULE<TAB>EXPORT<TAB>NAMESPACE").
 * Those are the references a module may make plainly; modpost checks
 * them and records their versions.
 */
#include <stdlib.h>
#include <string.h>

#include "kbuild/kbuild.h"
#include "util/file.h"
#include "util/xalloc.h"

bool ksymvers_exported(const struct kbuild_ctx *ctx, const char *name)
{
	static char *text; /* read once per process: the tree's is fixed */
	char *path, *needle, *p;
	size_t len;
	bool found = false;

	if (!text) {
		path = xasprintf("%s/Module.symvers", ctx->opts->src);
		if (file_read(path, (unsigned char **)&text, &len, NULL))
			text = NULL;
		free(path);
	}
	if (!text)
		return false;
	needle = xasprintf("\t%s\t", name);
	/* the second field: one tab between the line start and the match */
	for (p = text; !found && (p = strstr(p, needle)); p++) {
		char *bol = p;

		while (bol > text && bol[-1] != '\n')
			bol--;
		found = memchr(bol, '\t', (size_t)(p - bol)) == NULL;
	}
	free(needle);
	return found;
}
