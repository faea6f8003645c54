/*
 * fuzz-elf.c - libFuzzer harness for reading a target's ELF files: the
 * executable or library (target_open), its separate debug file
 * (target_add_debug, here the input against itself) and relocatable
 * objects and archives (objfile_load).  These are the files suture opens
 * from a build tree or a running process's /proc/PID/exe.
 */
#include <stdint.h>
#include <stdlib.h>

#include "build/objfile.h"
#include "build/target.h"
#include "memfile.h"

static void read_target(const char *path)
{
	struct error err = {{0}};
	struct target *t;

	if (target_open(path, &t, &err))
		return;
	target_add_debug(t, path, &err);
	target_close(t);
}

static void read_objects(const char *path)
{
	struct error err = {{0}};
	struct objfile **objs = NULL;
	size_t n = 0;

	objfile_load(path, "fuzz.o", &objs, &n, &err);
	for (size_t i = 0; i < n; i++)
		objfile_free(objs[i]);
	free(objs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = memfile_path(data, size);

	read_target(path);
	read_objects(path);
	return 0;
}
