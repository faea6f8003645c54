/*
 * memfile.h - give a fuzz input a path, for readers that open files
 * (libelf and libdw take a descriptor or a name, not a buffer).
 *
 * One memfd per process, rewritten for each input: no disk traffic and
 * nothing left behind.  The path is /proc/self/fd/N.
 */
#ifndef SUTURE_FUZZ_MEMFILE_H
#define SUTURE_FUZZ_MEMFILE_H

#include <stddef.h>
#include <stdint.h>

/* memfile_path - the path of a file holding exactly @data[0..@size). */
const char *memfile_path(const uint8_t *data, size_t size);

#endif
