/*
 * buildid.h - the longest ELF build ID suture keeps.  One bound for every
 * copy of one: a patch's target (patch.h), a process's modules
 * (process/modules.h), a record in the process.  GNU ld's are 20 bytes
 * (SHA-1) or 16 (MD5, UUID); longer ones are refused where read.
 */
#ifndef SUTURE_UTIL_BUILDID_H
#define SUTURE_UTIL_BUILDID_H

#define BUILD_ID_MAX 64

#endif
