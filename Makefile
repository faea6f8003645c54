# suture: live patching for running C programs.
#
#   make               build build/suture
#   make check         install missing Debian packages, build, run all tests
#   make bench         the same, plus gnuplot; run the benchmarks (bench/)
#   make demo          install missing Debian packages, build, run the demo
#   make install PREFIX=DIR
#
# Sources are found by folder: src/arch/$(ARCH) holds everything that knows
# the instruction set; the rest is architecture-neutral.

ARCH     ?= x86_64
PREFIX   ?= /usr/local
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wformat=2
DEPS     := libdw libelf capstone jansson zlib nettle libcrypto
SUTURE_CPPFLAGS := -Isrc -Iinclude $(shell pkg-config --cflags $(DEPS) 2>/dev/null) \
	-D_GNU_SOURCE -DSUTURE_ARCH_$(ARCH)
# libthread_db (glibc's, for thread-local storage: src/apply/tls.c) calls
# back the ps_* functions of src/apply/procsvc.c, which must be exported.
SUTURE_LIBS := $(shell pkg-config --libs $(DEPS) 2>/dev/null) -lthread_db \
	-Wl,--export-dynamic-symbol=ps_*

SRCS := $(wildcard src/*/*.c) $(wildcard src/arch/$(ARCH)/*.c)
OBJS := $(SRCS:src/%.c=build/obj/%.o)

all: build/suture

build/suture: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $(OBJS) $(SUTURE_LIBS)

build/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(SUTURE_CPPFLAGS) -MMD -MP -c $< -o $@

-include $(OBJS:.o=.d)

# header.c embeds the header with .incbin, which -MMD does not see.
build/obj/build/header.o: include/suture.h

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

install: build/suture
	install -D -m 755 build/suture $(DESTDIR)$(PREFIX)/bin/suture
	install -D -m 644 include/suture.h $(DESTDIR)$(PREFIX)/include/suture.h

format:
	clang-format -i $(SRCS) $(wildcard src/*/*.h src/arch/*.h include/*.h)

clean:
	rm -rf build

.PHONY: all deps check demo bench install format clean
