# suture: live patching for running C programs.
#
#   make               build build/suture
#   make check         install missing Debian packages, build, run all tests
#   make bench         the same, plus gnuplot; run the benchmarks (bench/)
#   make demo          install missing Debian packages, build, run the demo
#   make install PREFIX=DIR
#   make fuzz [FUZZ_SECONDS=N]  run each libFuzzer harness (tests/fuzz/) for
#                      N seconds (default 60) under ASan/UBSan, niced
#
# Sources are found by folder: src/arch/$(ARCH) holds everything that knows
# the instruction set; the rest is architecture-neutral.

ARCH     ?= x86_64
PREFIX   ?= /usr/local
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wformat=2
DEPS     := libdw libelf capstone jansson zlib nettle hogweed
SUTURE_CPPFLAGS := -Isrc -Iinclude $(shell pkg-config --cflags $(DEPS) 2>/dev/null) \
	-D_GNU_SOURCE -DSUTURE_ARCH_$(ARCH)
# Capstone's static library, x86 alone (src/arch/x86_64/csarch.c says why).
# The other libraries are static too: every shared object costs each
# command its loading and relocation before main (docs/DESIGN.md, "The
# command's own time"); `make LINK=shared` links them shared instead, so a
# distribution's updates of them reach suture without a rebuild.
ifeq ($(LINK),shared)
SUTURE_LIBS := $(shell pkg-config --libs $(filter-out capstone,$(DEPS)) \
	2>/dev/null) -Wl,-Bstatic -lcapstone -Wl,-Bdynamic
else
SUTURE_LIBS := -Wl,-Bstatic -lcapstone -ldw -lelf -ljansson -lhogweed \
	-lnettle -lgmp -lz -llzma -lbz2 -Wl,-Bdynamic
# Nettle's fat build picks its x86 code (SHA extensions, AES-NI) in a
# constructor: three CPUID instructions, each a trap to the hypervisor in
# a VM (7 µs here), in every command, hashing or not.  Its functions pick
# at their first call when the constructor has not run (nettle's
# fat-setup.h), so suture links that object without its .init_array entry
# (docs/DESIGN.md, "The command's own time").  A Nettle built without fat
# has no such member, and is linked as it is.
NETTLE_A   := $(shell $(CC) -print-file-name=libnettle.a)
NETTLE_FAT := $(if $(shell ar t $(NETTLE_A) 2>/dev/null | \
	grep -x 'fat-$(ARCH).o'),build/obj/nettle-fat-lazy.o)
endif
# libthread_db (glibc's, for thread-local storage: src/apply/tls.c), loaded
# when first needed (src/apply/tdload.h), calls back the ps_* functions of
# src/apply/procsvc.c, which must be exported.
SUTURE_LIBS += -Wl,--export-dynamic-symbol=ps_*

# src/preload is not part of suture: it is the library of `suture enable
# --at-start` (src/persist/atstart.h), built on its own below.
SRCS := $(filter-out src/preload/%,$(wildcard src/*/*.c)) \
	$(wildcard src/arch/$(ARCH)/*.c)
OBJS := $(SRCS:src/%.c=build/obj/%.o)

# Where make install puts suture and the preload library: each names the
# other's installed path, compiled in, so build with the PREFIX you install
# to (make PREFIX=DIR && make install PREFIX=DIR), as with ./configure.
PRELOAD     := build/libsuture-preload.so
PRELOAD_LIB := $(PREFIX)/lib/suture/libsuture-preload.so
SUTURE_BIN  := $(PREFIX)/bin/suture

all: build/suture $(PRELOAD)

build/suture: $(OBJS) $(NETTLE_FAT)
	$(CC) $(CFLAGS) -o $@ $(OBJS) $(NETTLE_FAT) $(SUTURE_LIBS)

build/obj/nettle-fat-lazy.o: $(NETTLE_A)
	@mkdir -p $(dir $@)
	ar p $(NETTLE_A) fat-$(ARCH).o >$@.full
	objcopy --remove-section=.init_array \
		--remove-section=.rela.init_array $@.full $@
	rm -f $@.full

build/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(SUTURE_CPPFLAGS) -MMD -MP -c $< -o $@

-include $(OBJS:.o=.d)

build/obj/persist/atstart.o: SUTURE_CPPFLAGS += \
	-DATSTART_LIB='"$(PRELOAD_LIB)"'

# libc only, every symbol hidden: it is loaded into every program.
$(PRELOAD): src/preload/preload.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -fPIC -shared -fvisibility=hidden \
		-Wl,-z,now,-z,relro -DSUTURE_BIN='"$(SUTURE_BIN)"' $< -o $@

# header.c embeds the header with .incbin, which -MMD does not see.
build/obj/build/header.o: include/suture.h
build/obj/kbuild/kheader.o: include/suture-klp.h

# Fuzzing (tests/fuzz/README.md): every source but the command line,
# built with clang under ASan/UBSan and libFuzzer's coverage, in an archive
# so each harness links only what it reaches.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZERS      := $(patsubst tests/fuzz/fuzz-%.c,build/fuzz/fuzz-%,\
		$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_OBJS    := $(patsubst src/%.c,build/fuzz/obj/%.o,\
		$(filter-out src/cli/%,$(SRCS)))

build/fuzz/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(SUTURE_CPPFLAGS) \
		-MMD -MP -c $< -o $@

-include $(FUZZ_OBJS:.o=.d)

build/fuzz/obj/build/header.o: include/suture.h
build/fuzz/obj/kbuild/kheader.o: include/suture-klp.h

build/fuzz/libsuture.a: $(FUZZ_OBJS)
	rm -f $@
	@echo "ar rcs $@"; ar rcs $@ $^

build/fuzz/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/memfile.c \
		tests/fuzz/memfile.h build/fuzz/libsuture.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(SUTURE_CPPFLAGS) \
		-Itests/fuzz tests/fuzz/fuzz-$*.c tests/fuzz/memfile.c \
		build/fuzz/libsuture.a -o $@ \
		$(shell pkg-config --libs $(DEPS) 2>/dev/null)

# Not a fuzzer: the one-byte-damage check of t-patchfile, on the same
# sanitized objects.
build/fuzz/patchfile-damage: tests/fuzz/patchfile-damage.c \
		build/fuzz/libsuture.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(SUTURE_CPPFLAGS) $< build/fuzz/libsuture.a \
		-o $@ $(shell pkg-config --libs $(DEPS) 2>/dev/null)

fuzzers: $(FUZZERS)

fuzz: deps
	$(MAKE) fuzzers
	scripts/fuzz $(FUZZ_SECONDS) $(FUZZERS)

deps:
	@scripts/install-deps

check: deps
	$(MAKE) all
	tests/run

demo: deps
	$(MAKE) all
	examples/demo/run

bench:
	@scripts/install-deps bench
	$(MAKE) all
	bench/run

# suture deb's script and the scripts it runs (cli/deb.c)
DEB_SCRIPTS = scripts/suture-deb scripts/debsrc scripts/mkroot scripts/inroot

install: build/suture $(PRELOAD)
	install -D -m 755 build/suture $(DESTDIR)$(PREFIX)/bin/suture
	install -D -m 644 include/suture.h $(DESTDIR)$(PREFIX)/include/suture.h
	install -d $(DESTDIR)$(PREFIX)/lib/suture
	install -m 755 $(DEB_SCRIPTS) $(DESTDIR)$(PREFIX)/lib/suture
	install -m 644 $(wildcard scripts/deb*.bash) $(DESTDIR)$(PREFIX)/lib/suture
	install -m 644 $(PRELOAD) $(DESTDIR)$(PRELOAD_LIB)

format:
	clang-format -i $(SRCS) src/preload/preload.c \
		$(wildcard src/*/*.h src/arch/*.h include/*.h)

clean:
	rm -rf build

.PHONY: all deps check demo bench install format clean fuzz fuzzers
