/* patchfile.c - placeholder until the reader and writer land. */
#include <errno.h>

#include "patchfile/patchfile.h"

int patchfile_write(const struct patch *p, const char *path,
		    struct error *err)
{
	return error_set(err, -ENOSYS, "patchfile_write not implemented yet");
}

int patchfile_read(const char *path, struct patch **out, struct error *err)
{
	return error_set(err, -ENOSYS, "patchfile_read not implemented yet");
}

int patchfile_parse(const unsigned char *buf, size_t len, struct patch **out,
		    struct error *err)
{
	return error_set(err, -ENOSYS, "patchfile_parse not implemented yet");
}

void patch_free(struct patch *p)
{
}

bool patch_name_valid(const char *name)
{
	return false;
}
