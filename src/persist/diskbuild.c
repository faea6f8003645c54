/* diskbuild.c - the build-id of a file on disk (see match.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "process/modules.h"
#include "persist/match.h"
#include "util/buildid.h"

int persist_disk_build(const char *path, char hex[PERSIST_HEX_MAX],
		       struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), len;
	unsigned char id[BUILD_ID_MAX];

	if (fd < 0)
		return errno == ENOENT
			   ? -ENOENT
			   : error_set(err, -errno, "cannot read %s: %s", path,
				       strerror(errno));
	len = buildid_read_fd(fd, id);
	close(fd);
	if (len < 0)
		return error_set(err, len, "%s is not an ELF file", path);
	if (len == 0)
		strcpy(hex, "none");
	else
		modules_hex(id, (size_t)len, hex);
	return 0;
}
