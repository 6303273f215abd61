#!/usr/bin/python3
"""Marks one symbol-version requirement of an ELF64 shared library weak (VER_FLG_WEAK in its Vernaux entry), so
the dynamic loader accepts a libstdc++ that lacks that version instead of refusing to load the library.
  weaken_version.py LIB GLIBCXX_3.4.32"""
import struct
import sys

VER_FLG_WEAK = 0x2
SHT_GNU_VERNEED = 0x6FFFFFFE


def main() -> int:
    path, version = sys.argv[1], sys.argv[2].encode()
    data = bytearray(open(path, "rb").read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit(f"{path}: not a little-endian ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    changed = 0
    for name, kind, flags, addr, off, size, link, info, align, entsize in sections:
        if kind != SHT_GNU_VERNEED:
            continue
        strtab = sections[link][4]
        pos = off
        for _ in range(info):  # Verneed entries
            _, cnt, _, aux, nxt = struct.unpack_from("<HHIII", data, pos)
            apos = pos + aux
            for _ in range(cnt):  # Vernaux entries: hash, flags, other, name, next
                _, vflags, _, vname, vnext = struct.unpack_from("<IHHII", data, apos)
                end = data.index(b"\0", strtab + vname)
                if bytes(data[strtab + vname:end]) == version and not vflags & VER_FLG_WEAK:
                    struct.pack_into("<H", data, apos + 4, vflags | VER_FLG_WEAK)
                    changed += 1
                apos += vnext
            pos += nxt
    open(path, "wb").write(data)
    print(f"{path}: {changed} requirement(s) of {version.decode()} made weak")
    return 0


if __name__ == "__main__":
    sys.exit(main())
