/* diskbuild.c - the build-id of a file on disk (see match.h). */
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <string.h>
#include <unistd.h>

#include "process/modules.h"
#include "persist/match.h"

int persist_disk_build(const char *path, char hex[PERSIST_HEX_MAX],
		       struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;
	const void *id;
	ssize_t len;
	Elf *elf;

	if (fd < 0)
		return errno == ENOENT
			   ? -ENOENT
			   : error_set(err, -errno, "cannot read %s: %s", path,
				       strerror(errno));
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		ret = error_set(err, -ENOEXEC, "%s is not an ELF file", path);
	else if ((len = dwelf_elf_gnu_build_id(elf, &id)) > 0 &&
		 (size_t)len <= PATCH_BUILD_ID_MAX)
		modules_hex(id, (size_t)len, hex);
	else
		strcpy(hex, "none");
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}
