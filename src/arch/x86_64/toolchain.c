/* toolchain.c - how x86-64 compilers are named on Debian-like systems. */
#include "arch/arch.h"

const char arch_gnu_triplet[] = "x86_64-linux-gnu";
