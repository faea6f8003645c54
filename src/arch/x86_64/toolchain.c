/* toolchain.c - how x86-64 compilers and the dynamic linker are named and
 * installed on Debian-like systems. */
#include "arch/arch.h"

const char arch_gnu_triplet[] = "x86_64-linux-gnu";
const char arch_dynamic_linker[] = "/lib64/ld-linux-x86-64.so.2";
const char arch_host_libdir[] = "/usr/lib/x86_64-linux-gnu";
