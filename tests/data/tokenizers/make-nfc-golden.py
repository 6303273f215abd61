#!/usr/bin/env python3
"""Writes golden/nfc.json: random strings over the code points NFC acts on (decomposables, their parts,
combining marks, Hangul jamo and syllables) with Python's unicodedata NFC of each. Only code points assigned by
Unicode 9.0, the version of HF tokenizers' NFC (see src/ReasonFlux.Tokenizers/Normalization/generate_nfc_tables.py);
golden/hf-nfc.json covers later code points with HF's own results.
Needs DerivedAge.txt (Debian: apt-get install unicode-data).
Run: python3 make-nfc-golden.py [/usr/share/unicode/DerivedAge.txt]"""
import json
import os
import random
import sys
import unicodedata as u

assigned_by_9 = set()
with open(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/unicode/DerivedAge.txt", encoding="utf-8") as f:
    for line in f:
        line = line.split("#")[0].strip()
        if not line:
            continue
        cps, age = (x.strip() for x in line.split(";"))
        if tuple(int(x) for x in age.split(".")) <= (9, 0):
            lo, _, hi = cps.partition("..")
            assigned_by_9.update(range(int(lo, 16), int(hi or lo, 16) + 1))

random.seed(20250101)
alphabet = set(range(0x1100, 0x1113)) | set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3)) | set(range(0xAC00, 0xAC40)) | {0x41, 0x61, 0x20}
for cp in range(0x110000):
    if 0xD800 <= cp < 0xE000 or cp not in assigned_by_9:
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
    f.write('{\n "source": "Python unicodedata %s normalize(\'NFC\') on code points of Unicode 9.0",\n "cases": [\n' % u.unidata_version)
    f.write(",\n".join("  " + json.dumps({"text": s, "nfc": u.normalize("NFC", s)}, ensure_ascii=False) for s in cases))
    f.write("\n ]\n}\n")
