/*
 * fuzz-dwarf.c - libFuzzer harness for suture's DWARF readers over a
 * hostile object or linked file: types and variables (dw_view_read, every
 * named type), macros (dw_macros_read) and the line table (dw_lines_open,
 * dw_lines_any).  libdw itself is not instrumented; suture's code walking
 * what it returns is.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build/dwlines.h"
#include "build/dwmacros.h"
#include "build/dwtypes.h"
#include "memfile.h"

static void read_types(const char *path)
{
	struct error err = {{0}};
	struct dw_view v;

	memset(&v, 0, sizeof v);
	if (dw_view_read(path, NULL, NULL, 0, true, &v, &err))
		return;
	dw_view_free(&v);
}

static void read_macros(const char *path)
{
	struct error err = {{0}};
	struct dw_macros m;

	memset(&m, 0, sizeof m);
	if (!dw_macros_read(path, &m, &err))
		dw_macros_free(&m);
}

static void read_lines(const char *path)
{
	struct error err = {{0}};
	struct dw_lines *l;

	if (dw_lines_open("/", path + 1, &l, &err))
		return;
	dw_lines_any(l);
	dw_lines_close(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = memfile_path(data, size);

	read_types(path);
	read_macros(path);
	read_lines(path);
	return 0;
}
