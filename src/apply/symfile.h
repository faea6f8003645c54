/*
 * symfile.h - naming patch code for debuggers.
 *
 * A debugger knows the code of ELF files the dynamic linker loaded; a
 * patch's region is none of them, so gdb shows its frames as `??` and
 * unwinds through them by guesswork.  For each applied patch suture can
 * write a symbol file: an ELF executable whose sections sit at the region's
 * run-time addresses and hold its bytes as the process has them (code, the
 * patch's .eh_frame, gates and stubs), with a symbol for the new code of
 * every function the patch replaces.  `add-symbol-file FILE` makes gdb name
 * those frames and unwind through them with the patch's own call-frame
 * information; objdump -d FILE shows the code as it runs.
 *
 * The file is made from the record and the process's memory alone, without
 * stopping it, so it always describes what is applied now.  (gdb's JIT
 * interface would need a descriptor that the target itself defines, which
 * C services do not.)
 */
#ifndef SUTURE_APPLY_SYMFILE_H
#define SUTURE_APPLY_SYMFILE_H

#include <stdio.h>
#include <sys/types.h>

#include "apply/record.h"
#include "process/rmem.h"

/* symfile_write - write the symbol file of patch @r, whose region is read
 * through @mem, to @path (created, mode 0644; replaced if it exists). */
int symfile_write(const char *path, const struct record *r,
		  const struct rmem *mem, struct error *err);

/*
 * symfile_write_all - write DIR/NAME.debug for every patch applied to @pid,
 * and to @script the gdb commands that load them.  *n gets how many.
 */
int symfile_write_all(pid_t pid, const char *dir, FILE *script, size_t *n,
		      struct error *err);

#endif
