#!/usr/bin/python3
"""Writes the golden files for ReasonFlux.Checkpoints.Tests with an independent Python implementation of the
safetensors layout (HF's Rust writer: tensors sorted by dtype alignment descending, then name; serde_json compact
header, __metadata__ first; header padded with spaces to a multiple of 8) and of transformers' index
(json.dumps(index, indent=2, sort_keys=True) + "\n").

Run with Debian's python3 + numpy (the safetensors package is not installable here):
    /usr/bin/python3 tests/ReasonFlux.Checkpoints.Tests/Golden/make_golden.py
"""
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# Order of safetensors' Rust `Dtype` enum (only relative order matters).
ALIGN_RANK = {"BOOL": 0, "U8": 1, "I8": 2, "I16": 3, "F16": 4, "BF16": 5, "I32": 6, "F32": 7, "F64": 8, "I64": 9}


def bf16_bytes(values):
    f = np.asarray(values, dtype="<f4")
    return (f.view("<u4") >> 16).astype("<u2").tobytes()


def bf16_values(data):
    """What the stored (truncated) bf16 bytes decode to."""
    u = np.frombuffer(data, dtype="<u2").astype("<u4") << 16
    return [float(x) for x in u.view("<f4")]


def tensors():
    # Insertion order deliberately unsorted: the writer must sort.
    t = []
    emb = [0.5, -1.25, 3.0, 1.0e-3, -2.0e4, 0.0, -0.0, 65280.0, 1.5, -0.75, 2.5, 7.0]
    t.append(("model.embed_tokens.weight", "BF16", [4, 3], bf16_values(bf16_bytes(emb)), bf16_bytes(emb)))
    norm = [1.0, -0.5, 0.0009765625]
    t.append(("model.norm.weight", "F16", [3], norm, np.asarray(norm, "<f2").tobytes()))
    up = [0.1, 0.2, -0.3, 1e-30, 3.4e38, -1.0]
    t.append(("model.layers.0.mlp.up_proj.weight", "F32", [2, 3], [float(np.float32(x)) for x in up], np.asarray(up, "<f4").tobytes()))
    bias = [3.141592653589793, -2.718281828459045]
    t.append(("lm_head.bias", "F64", [2], bias, np.asarray(bias, "<f8").tobytes()))
    pos = [0, 1, -9223372036854775808, 9223372036854775807]
    t.append(("position_ids", "I64", [1, 4], pos, np.asarray(pos, "<i8").tobytes()))
    counts = [-2147483648, 2147483647]
    t.append(("counts", "I32", [2], counts, np.asarray(counts, "<i4").tobytes()))
    short = [-32768, 0, 32767]
    t.append(("short", "I16", [3], short, np.asarray(short, "<i2").tobytes()))
    signed = [-128, -1, 0, 127]
    t.append(("signed", "I8", [4], signed, np.asarray(signed, "i1").tobytes()))
    u8 = [0, 1, 128, 254, 255]
    t.append(("bytes", "U8", [5], u8, np.asarray(u8, "u1").tobytes()))
    mask = [1, 0, 0, 1]
    t.append(("mask", "BOOL", [2, 2], mask, np.asarray(mask, "u1").tobytes()))
    t.append(("scalar", "F32", [], [42.0], np.asarray([42.0], "<f4").tobytes()))
    t.append(("empty", "F32", [0, 3], [], b""))
    t.append(("a.second_bf16", "BF16", [2], [1.0, -2.0], bf16_bytes([1.0, -2.0])))
    return t


def write_safetensors(path, items, metadata):
    items = sorted(items, key=lambda x: (-ALIGN_RANK[x[1]], x[0].encode("utf-8")))
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    offset = 0
    for name, dtype, shape, _, data in items:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    hb = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for item in items:
            f.write(item[4])


def main():
    items = tensors()
    write_safetensors(os.path.join(HERE, "mixed_dtypes.safetensors"), items, {"format": "pt"})
    expected = {name: {"dtype": dtype, "shape": shape, "values": values} for name, dtype, shape, values, _ in items}
    with open(os.path.join(HERE, "mixed_dtypes.expected.json"), "w", encoding="utf-8") as f:
        json.dump({"insertion_order": [i[0] for i in items], "tensors": expected}, f, indent=1)
        f.write("\n")

    weight_map = {
        "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
        "model.layers.0.self_attn.q_proj.weight": "model-00001-of-00002.safetensors",
        "model.layers.10.self_attn.q_proj.weight": "model-00002-of-00002.safetensors",
        "model.layers.2.mlp.down_proj.weight": "model-00002-of-00002.safetensors",
        "emb.\u00fc\u00df": "model-00002-of-00002.safetensors",
        "u.\U0001F600": "model-00002-of-00002.safetensors",
        "u.\uE000": "model-00002-of-00002.safetensors",
        'quote"back\\slash\ttab\x01\x7f': "model-00001-of-00002.safetensors",
    }
    index = {"metadata": {"total_parameters": 123456789, "total_size": 9876543210}, "weight_map": weight_map}
    with open(os.path.join(HERE, "index.expected.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(index, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
