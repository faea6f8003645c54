/*
 * buildid.h - the longest ELF build ID suture keeps.  One bound for every
 * copy of one: a patch's target (patch.h), a process's modules
 * (process/modules.h), a record in the process.  GNU ld's are 20 bytes
 * (SHA-1) or 16 (MD5, UUID); longer ones are refused where read.
 * And one reader of a file's, for the files no other ELF work needs open
 * (a process's mapped files, a file on disk).
 */
#ifndef SUTURE_UTIL_BUILDID_H
#define SUTURE_UTIL_BUILDID_H

#include <stddef.h>

#define BUILD_ID_MAX 64

/*
 * buildid_read_fd - the build ID of the ELF file open as @fd into @id:
 * its length, 0 if it has none or one longer than BUILD_ID_MAX, -ENOEXEC
 * if the file is no ELF file.  @fd stays open.
 */
int buildid_read_fd(int fd, unsigned char id[BUILD_ID_MAX]);

#endif
