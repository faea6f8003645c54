#!/usr/bin/env python3
"""cave.py PID - whether the tail of the last page of each executable segment
of process PID's program (where suture puts its system call stub: the code
cave, src/process/rsyscall.c) holds the program file's bytes again.

Prints one line per segment, "same" or "differs" and its address; exit
status 1 if any differs.  Reads the process's memory: run as root.
"""
import os
import struct
import sys

PAGE = os.sysconf("SC_PAGE_SIZE")


def segments(path):
    """(vaddr, offset, filesz, memsz) of each executable PT_LOAD."""
    with open(path, "rb") as f:
        ehdr = f.read(64)
        phoff, = struct.unpack_from("<Q", ehdr, 32)
        phentsize, phnum = struct.unpack_from("<HH", ehdr, 54)
        f.seek(phoff)
        for _ in range(phnum):
            ph = f.read(phentsize)
            kind, flags, off, vaddr, _, filesz, memsz = struct.unpack_from(
                "<IIQQQQQ", ph)
            if kind == 1 and flags & 1:
                yield vaddr, off, filesz, memsz


def base(pid, exe):
    """Where the program's first mapping (file offset 0) starts."""
    with open("/proc/%s/maps" % pid) as maps:
        for line in maps:
            parts = line.split()
            if len(parts) >= 6 and parts[5] == exe and int(parts[2], 16) == 0:
                return int(parts[0].split("-")[0], 16)
    sys.exit("no mapping of %s in process %s" % (exe, pid))


def main():
    pid = sys.argv[1]
    exe = os.readlink("/proc/%s/exe" % pid)
    at = base(pid, exe)
    bad = 0
    with open(exe, "rb") as f, open("/proc/%s/mem" % pid, "rb") as mem:
        data = f.read()
        for vaddr, off, filesz, memsz in segments(exe):
            end = vaddr + max(filesz, memsz)
            size = -end % PAGE
            want = data[off + end - vaddr:][:size].ljust(size, b"\0")
            mem.seek(at + end)
            same = mem.read(size) == want
            bad += not same
            print("%s %#x" % ("same" if same else "differs", at + end))
    sys.exit(1 if bad else 0)


main()
