/*
 * buildid.c - the build ID of an ELF file (buildid.h).
 *
 * A command reads the build ID of every file its target's ancestors map
 * (cli/targets.c) and of every file of every process in a fleet walk:
 * libelf maps the whole file for that, and the map and its removal cost
 * more than the note.  So the usual file (64-bit, this machine's byte
 * order, section headers present) is read with a few preads, looking
 * where libdwelf looks: the SHT_NOTE sections in order, the first note
 * of type NT_GNU_BUILD_ID named "GNU".  Any other file, or anything out
 * of the ordinary in this one, goes to libdwelf itself, so the answer is
 * always libdwelf's.
 */
#include <elf.h>
#include <elfutils/libdwelf.h>
#include <endian.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buildid.h"

/* The fast path gives up on more section headers or a larger note
 * section than this (libelf reads those). */
#define FAST_MAX_SECTIONS 512
#define FAST_MAX_NOTES	  4096

/* Sentinel: not settled by the fast path, ask libelf. */
#define ASK_LIBELF 1

static int read_libelf(int fd, unsigned char id[BUILD_ID_MAX])
{
	const void *note;
	ssize_t len;
	Elf *elf;
	int ret = 0;

	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		ret = -ENOEXEC;
	else if ((len = dwelf_elf_gnu_build_id(elf, &note)) > 0 &&
		 (size_t)len <= BUILD_ID_MAX) {
		memcpy(id, note, (size_t)len);
		ret = (int)len;
	}
	if (elf)
		elf_end(elf);
	return ret;
}

static bool pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	return pread(fd, buf, len, (off_t)off) == (ssize_t)len;
}

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/*
 * The build ID among the notes @buf (@len bytes, aligned to @a as libelf
 * reads them): its length, 0 if none is there, ASK_LIBELF if a note runs
 * past the end.
 */
static int scan_notes(const unsigned char *buf, size_t len, size_t a,
		      unsigned char id[BUILD_ID_MAX])
{
	size_t off = 0;

	while (len - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr n;
		size_t name, desc;

		memcpy(&n, buf + off, sizeof(n));
		name = off + sizeof(n);
		desc = align_up(name + n.n_namesz, a);
		/* libelf wants the padding after the descriptor, too */
		if (n.n_namesz > len || n.n_descsz > len || desc > len ||
		    align_up(n.n_descsz, a) > len - desc)
			return ASK_LIBELF;
		if (n.n_type == NT_GNU_BUILD_ID && n.n_namesz == 4 &&
		    !memcmp(buf + name, "GNU", 4))
			return n.n_descsz <= BUILD_ID_MAX
				   ? (memcpy(id, buf + desc, n.n_descsz),
				      (int)n.n_descsz)
				   : 0;
		off = desc + align_up(n.n_descsz, a);
	}
	return 0;
}

/* The build ID in note section @sh, as scan_notes says. */
static int section_id(int fd, const Elf64_Shdr *sh,
		      unsigned char id[BUILD_ID_MAX])
{
	unsigned char *buf;
	int r;

	if (sh->sh_size > FAST_MAX_NOTES || sh->sh_flags & SHF_COMPRESSED)
		return ASK_LIBELF;
	buf = malloc(sh->sh_size + 1);
	if (!buf || !pread_all(fd, buf, sh->sh_size, sh->sh_offset))
		r = ASK_LIBELF;
	else
		r = scan_notes(buf, sh->sh_size, sh->sh_addralign == 8 ? 8 : 4,
			       id);
	free(buf);
	return r;
}

/* The fast path: the build ID's length, 0, -ENOEXEC, or ASK_LIBELF. */
static int read_fast(int fd, unsigned char id[BUILD_ID_MAX])
{
	static const unsigned char want[EI_VERSION] = {
	    ELFMAG0,
	    ELFMAG1,
	    ELFMAG2,
	    ELFMAG3,
	    ELFCLASS64,
	    __BYTE_ORDER == __LITTLE_ENDIAN ? ELFDATA2LSB : ELFDATA2MSB};
	Elf64_Shdr sh[FAST_MAX_SECTIONS];
	Elf64_Ehdr eh;
	int r = 0;

	ssize_t n = pread(fd, &eh, sizeof(eh), 0);

	/* a locale file, a font: what libelf calls ELF_K_NONE */
	if (n >= SELFMAG && memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return -ENOEXEC;
	if (n != sizeof(eh) || memcmp(eh.e_ident, want, sizeof(want)) ||
	    !eh.e_shoff || !eh.e_shnum || eh.e_shnum > FAST_MAX_SECTIONS ||
	    eh.e_shentsize != sizeof(*sh) ||
	    !pread_all(fd, sh, eh.e_shnum * sizeof(*sh), eh.e_shoff))
		return ASK_LIBELF;
	for (size_t i = 0; i < eh.e_shnum && !r; i++)
		if (sh[i].sh_type == SHT_NOTE)
			r = section_id(fd, &sh[i], id);
	return r;
}

int buildid_read_fd(int fd, unsigned char id[BUILD_ID_MAX])
{
	int r = read_fast(fd, id);

	return r == ASK_LIBELF ? read_libelf(fd, id) : r;
}
