#!/usr/bin/env python3
"""Writes golden/nfc.json: random strings over the code points NFC acts on (decomposables, their parts,
combining marks, Hangul jamo and syllables) with Python's unicodedata NFC of each.
Run: python3 make-nfc-golden.py"""
import json
import os
import random
import unicodedata as u

random.seed(20250101)
alphabet = set(range(0x1100, 0x1113)) | set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3)) | set(range(0xAC00, 0xAC40)) | {0x41, 0x61, 0x20}
for cp in range(0x110000):
    if 0xD800 <= cp < 0xE000:
        continue
    d = u.decomposition(chr(cp))
    if d and not d.startswith("<"):
        alphabet.add(cp)
        alphabet.update(int(x, 16) for x in d.split())
    if u.combining(chr(cp)):
        alphabet.add(cp)
alphabet = sorted(alphabet)
cases = ["".join(chr(random.choice(alphabet)) for _ in range(random.randint(1, 6))) for _ in range(3000)]
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "golden", "nfc.json"), "w", encoding="utf-8") as f:
    f.write('{\n "source": "Python unicodedata %s normalize(\'NFC\')",\n "cases": [\n' % u.unidata_version)
    f.write(",\n".join("  " + json.dumps({"text": s, "nfc": u.normalize("NFC", s)}, ensure_ascii=False) for s in cases))
    f.write("\n ]\n}\n")
