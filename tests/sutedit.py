#!/usr/bin/env python3
# sutedit.py - make a hostile patch file from a real one, for t-hostile.
#
#     sutedit.py IN OUT WHAT CODE
#
# Reads the patch file IN (docs/FORMAT.md: an ELF relocatable object and a
# 16-byte checksum trailer), runs the Python statement CODE on one part of
# it, and writes OUT with that part replaced and the trailer recomputed, so
# that OUT passes the checksum and only the fields CODE changed are wrong.
# WHAT is one of:
#   manifest  `m` is the manifest (the JSON of .suture.manifest), a dict
#   rela      `r` is the relocations of the first .rela section that has
#             any: a list of [offset, symbol, type, addend]
#   symtab    `s` is .symtab: a list of [name, info, other, shndx, value,
#             size]
# The changed section's bytes are appended to the file and its header
# pointed at them (the old bytes stay, unused), which keeps every other
# offset as it was.
import json
import struct
import sys
import zlib

SHDR = struct.Struct("<IIQQQQIIQQ")
RELA = struct.Struct("<QQq")
SYM = struct.Struct("<IBBHQQ")


def sections(elf):
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shnum, shstrndx = struct.unpack_from("<HH", elf, 0x3C)
    hdrs = [list(SHDR.unpack_from(elf, shoff + i * SHDR.size))
            for i in range(shnum)]
    strtab = hdrs[shstrndx]
    names = []
    for h in hdrs:
        at = strtab[4] + h[0]
        names.append(elf[at:elf.index(b"\0", at)].decode())
    return hdrs, names


def body(h, elf):
    return elf[h[4]:h[4] + h[5]]


def pick(hdrs, names, what):
    for i, (h, n) in enumerate(zip(hdrs, names)):
        if what == "manifest" and n == ".suture.manifest":
            return i
        if what == "rela" and h[1] == 4 and h[5]:
            return i
        if what == "symtab" and h[1] == 2:
            return i
    sys.exit("sutedit: no section for " + what)


def edit(what, data, code):
    if what == "manifest":
        m = json.loads(data.rstrip(b"\0"))
        exec(code, {"m": m})
        return json.dumps(m).encode()
    if what == "rela":
        r = [[o, i >> 32, i & 0xFFFFFFFF, a]
             for o, i, a in RELA.iter_unpack(data)]
        exec(code, {"r": r})
        return b"".join(RELA.pack(o, s << 32 | t, a) for o, s, t, a in r)
    s = [list(y) for y in SYM.iter_unpack(data)]
    exec(code, {"s": s})
    return b"".join(SYM.pack(*y) for y in s)


def main():
    src, dst, what, code = sys.argv[1:5]
    raw = open(src, "rb").read()
    elf = bytearray(raw[:-16])
    hdrs, names = sections(elf)
    i = pick(hdrs, names, what)
    new = edit(what, bytes(body(hdrs[i], elf)), code)
    elf += b"\0" * (-len(elf) % 8)
    hdrs[i][4], hdrs[i][5] = len(elf), len(new)
    elf += new + b"\0" * (-len(new) % 8)
    struct.pack_into("<Q", elf, 0x28, len(elf))
    for h in hdrs:
        elf += SHDR.pack(*h)
    trailer = b"SUTCRC32" + struct.pack("<II", zlib.crc32(elf), len(elf))
    open(dst, "wb").write(bytes(elf) + trailer)


main()
