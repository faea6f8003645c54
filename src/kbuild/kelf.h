/*
 * kelf.h - a relocatable ELF object being assembled in memory and written
 * with libelf: the patch object kemit.c makes.  Sections are added before
 * any global symbol (ELF wants the local symbols first; each section gets
 * its local section symbol when it is added).
 */
#ifndef SUTURE_KBUILD_KELF_H
#define SUTURE_KBUILD_KELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct kelf_rel {
	uint64_t offset;
	uint32_t type;
	uint32_t sym; /* index in kelf.syms */
	int64_t addend;
};

struct kelf_sec {
	char *name;
	unsigned char *data;
	size_t size, cap;
	uint64_t align;
	uint64_t flags; /* SHF_* */
	uint32_t sym;	/* its section symbol */
	struct kelf_rel *rels;
	size_t nrels, rels_cap;
};

struct kelf_sym {
	char *name;
	int sec; /* index in kelf.secs, -1: undefined */
	uint64_t value, size;
	unsigned char type, bind;
};

struct kelf {
	struct kelf_sec *secs;
	size_t nsecs, secs_cap;
	struct kelf_sym *syms;
	size_t nsyms, syms_cap;
};

/* kelf_section - a new section; returns its index. */
size_t kelf_section(struct kelf *k, const char *name, uint64_t flags,
		    uint64_t align);

/* kelf_append - @len bytes at @align in section @sec; their offset. */
uint64_t kelf_append(struct kelf *k, size_t sec, const void *data, size_t len,
		     uint64_t align);

/* kelf_symbol - a global symbol (sec -1: undefined), reused by name. */
uint32_t kelf_symbol(struct kelf *k, const char *name, int sec, uint64_t value,
		     uint64_t size, unsigned char type);

void kelf_reloc(struct kelf *k, size_t sec, uint64_t offset, uint32_t type,
		uint32_t sym, int64_t addend);

int kelf_write(const struct kelf *k, const char *path, struct error *err);
void kelf_free(struct kelf *k);

#endif
