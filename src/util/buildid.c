/* buildid.c - the build ID of an ELF file (buildid.h). */
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <gelf.h>
#include <string.h>

#include "util/buildid.h"

int buildid_read_fd(int fd, unsigned char id[BUILD_ID_MAX])
{
	const void *note;
	ssize_t len;
	Elf *elf;
	int ret = 0;

	/* ELF_C_READ: libelf reads the header, the program headers and the
	 * note with pread; mapping the whole file to read those cost three
	 * times as much (mmap, a page fault, munmap), paid per mapped file
	 * of every process a fleet scan or the ancestor check looks at. */
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		ret = -ENOEXEC;
	else if ((len = dwelf_elf_gnu_build_id(elf, &note)) > 0 &&
		 (size_t)len <= BUILD_ID_MAX) {
		memcpy(id, note, (size_t)len);
		ret = (int)len;
	}
	if (elf)
		elf_end(elf);
	return ret;
}
