/*
 * atstart.h - the preload library that gives processes their enabled
 * patches when they start (src/preload/preload.c), listed in
 * /etc/ld.so.preload: the dynamic linker loads it into every dynamically
 * linked program, and its constructor runs `suture apply --enabled` on
 * its own process when a module it maps has an enabled patch
 * (docs/DESIGN.md, "Patches that last").  Opt-in: `suture enable
 * --at-start` lists it, `suture disable --at-start` takes it out; other
 * lines of the file are kept as they are.
 */
#ifndef SUTURE_PERSIST_ATSTART_H
#define SUTURE_PERSIST_ATSTART_H

#include <stdbool.h>

#include "util/error.h"

#define ATSTART_PRELOAD_CONF "/etc/ld.so.preload"
/* Where `make install` puts the library (PREFIX/lib/suture/...). */
#ifndef ATSTART_LIB
#define ATSTART_LIB "/usr/local/lib/suture/libsuture-preload.so"
#endif

/* atstart_listed - whether ATSTART_PRELOAD_CONF lists ATSTART_LIB. */
int atstart_listed(bool *listed, struct error *err);

/*
 * atstart_set - list ATSTART_LIB in ATSTART_PRELOAD_CONF (@on) or take it
 * out; *changed says whether the file changed.  Listing it is refused
 * unless the library is installed, a regular ELF file that only root may
 * change: a missing one would make the dynamic linker complain in every
 * program started.
 */
int atstart_set(bool on, bool *changed, struct error *err);

#endif
