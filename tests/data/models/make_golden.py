#!/usr/bin/python3
"""Writes the tiny Qwen2 checkpoints and golden.json next to this script (deterministic; safe to re-run).

    /usr/bin/python3 tests/data/models/make_golden.py [--out DIR] [--skip-checks]
    /usr/bin/python3 tests/data/models/make_golden.py --check    # exit 1 if the checked-in outputs are stale

Needs Debian's python3-torch (1.13) and python3-numpy; no `transformers`. See README.md for the conventions
and the schema of golden.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
from typing import Callable, Dict, List

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import qwen2_reference as qr  # noqa: E402

FORMAT_VERSION = 1
BOS_ID, EOS_ID = 296, 297
PAD_ID = EOS_ID          # value put at padded positions (pad = eos, as Qwen); never visible to real tokens
SEP_ID = 299             # stands in for <extra_0> (151651 in the real Qwen2.5 vocabulary)
TOKEN_LOW, TOKEN_HIGH = 2, 296  # ordinary ids are drawn from [2, 296)
GREEDY_NEW_TOKENS = 8

def base_config(**overrides) -> qr.Qwen2Config:
    kw = dict(vocab_size=300, hidden_size=64, intermediate_size=112, num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, rope_theta=10000.0, rms_norm_eps=1e-6, max_position_embeddings=128,
              tie_word_embeddings=False, bos_token_id=BOS_ID, eos_token_id=EOS_ID, torch_dtype="float32")
    kw.update(overrides)
    return qr.Qwen2Config(**kw)


def init_weights(model: torch.nn.Module, seed: int) -> None:
    """See qwen2_reference.RANDOM_INIT_STD for the scales (larger than HF's 0.02 on purpose)."""
    qr.init_random_weights(model, seed)


# ---------------------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------------------

def random_ids(g: torch.Generator, n: int) -> List[int]:
    return torch.randint(TOKEN_LOW, TOKEN_HIGH, (n,), generator=g).tolist()


def with_seps(ids: List[int], positions: List[int]) -> List[int]:
    ids = list(ids)
    for p in positions:
        ids[p] = SEP_ID
    return ids


def pad_batch(seqs: List[List[int]], side: str):
    t = max(len(s) for s in seqs)
    ids, mask = [], []
    for s in seqs:
        n = t - len(s)
        if side == "left":
            ids.append([PAD_ID] * n + s)
            mask.append([0] * n + [1] * len(s))
        else:
            ids.append(s + [PAD_ID] * n)
            mask.append([1] * len(s) + [0] * n)
    return torch.tensor(ids), torch.tensor(mask)


def make_case(name: str, seqs: List[List[int]], side: str = "left") -> dict:
    ids, mask = pad_batch(seqs, side)
    return {"name": name, "padding_side": side if len(set(map(len, seqs))) > 1 else "none",
            "input_ids": ids, "attention_mask": mask, "position_ids": qr.position_ids_from_mask(mask)}


# ---------------------------------------------------------------------------------------------------------
# JSON helpers
# ---------------------------------------------------------------------------------------------------------

def r7(x: float) -> float:
    """7 significant digits."""
    if math.isnan(x) or math.isinf(x):
        raise ValueError(f"non-finite value {x}")
    return float(f"{x:.7g}")


def rows_or_null(t: torch.Tensor, mask: torch.Tensor) -> list:
    """[B, T, ...] -> nested lists with null where mask == 0 (outputs at pad positions are undefined)."""
    out = []
    for b in range(t.shape[0]):
        row = []
        for i in range(t.shape[1]):
            if int(mask[b, i]) == 0:
                row.append(None)
            else:
                v = t[b, i]
                row.append([r7(x) for x in v.tolist()] if v.dim() > 0 else r7(float(v)))
        out.append(row)
    return out


def case_inputs_json(case: dict) -> dict:
    return {"name": case["name"], "padding_side": case["padding_side"],
            "input_ids": case["input_ids"].tolist(), "attention_mask": case["attention_mask"].tolist(),
            "position_ids": case["position_ids"].tolist()}


def dump_json(obj, f, indent: int = 0) -> None:
    """JSON with one line per innermost list (readable diffs, modest size)."""
    pad = " " * indent

    def is_flat(x):
        return isinstance(x, list) and all(not isinstance(e, (list, dict)) for e in x)

    if isinstance(obj, dict):
        if not obj:
            f.write("{}")
            return
        f.write("{\n")
        items = list(obj.items())
        for i, (k, v) in enumerate(items):
            f.write(f"{pad}  {json.dumps(k)}: ")
            dump_json(v, f, indent + 2)
            f.write(",\n" if i + 1 < len(items) else "\n")
        f.write(pad + "}")
    elif isinstance(obj, list) and not is_flat(obj):
        f.write("[\n")
        for i, v in enumerate(obj):
            f.write(pad + "  ")
            dump_json(v, f, indent + 2)
            f.write(",\n" if i + 1 < len(obj) else "\n")
        f.write(pad + "]")
    else:
        f.write(json.dumps(obj, separators=(",", ":"), allow_nan=False))


# ---------------------------------------------------------------------------------------------------------
# Golden computations
# ---------------------------------------------------------------------------------------------------------

@torch.no_grad()
def causal_lm_outputs(model, case: dict) -> dict:
    ids, mask, pos = case["input_ids"], case["attention_mask"], case["position_ids"]
    logits = model(ids, mask, pos).float()
    logp = F.log_softmax(logits, dim=-1)
    b, t = ids.shape
    token_logprobs = torch.zeros(b, t)
    lp_mask = torch.zeros(b, t, dtype=torch.long)
    for i in range(b):
        for j in range(1, t):
            if mask[i, j] and mask[i, j - 1]:
                token_logprobs[i, j] = logp[i, j - 1, ids[i, j]]
                lp_mask[i, j] = 1
    return {**case_inputs_json(case), "logits": rows_or_null(logits, mask),
            "token_logprobs": rows_or_null(token_logprobs, lp_mask)}


@torch.no_grad()
def greedy_full_recompute(model, case: dict, new_tokens: int) -> dict:
    """argmax at the last position, append, recompute the whole batch from scratch; record top1-top2 margins."""
    ids, mask = case["input_ids"].clone(), case["attention_mask"].clone()
    gen, margins, step_logits = [], [], []
    for _ in range(new_tokens):
        logits = model(ids, mask, qr.position_ids_from_mask(mask))[:, -1, :].float()
        step_logits.append(logits)
        top2 = logits.topk(2, dim=-1)
        nxt = top2.indices[:, 0]
        gen.append(nxt.tolist())
        margins.append((top2.values[:, 0] - top2.values[:, 1]).tolist())
        ids = torch.cat([ids, nxt[:, None]], dim=1)
        mask = torch.cat([mask, torch.ones(ids.shape[0], 1, dtype=mask.dtype)], dim=1)
    b = ids.shape[0]
    return {**case_inputs_json(case), "new_tokens": new_tokens,
            "generated_ids": [[gen[s][i] for s in range(new_tokens)] for i in range(b)],
            "top2_margins": [[r7(margins[s][i]) for s in range(new_tokens)] for i in range(b)],
            "step_logits": [[[r7(x) for x in step_logits[s][i].tolist()] for s in range(new_tokens)] for i in range(b)]}


@torch.no_grad()
def greedy_kv_cache(model, case: dict, new_tokens: int) -> List[List[int]]:
    """The same greedy decode through the preallocated KV cache (self-check of the cache path)."""
    ids, mask = case["input_ids"], case["attention_mask"]
    b, t = ids.shape
    cache = qr.KVCache(model.config, b, t + new_tokens, dtype=next(model.parameters()).dtype)
    logits = model(ids, mask, cache=cache, last_only=True)[:, -1].float()
    out = []
    for s in range(new_tokens):
        nxt = logits.argmax(-1)
        out.append(nxt)
        if s + 1 == new_tokens:
            break
        mask = torch.cat([mask, torch.ones(b, 1, dtype=mask.dtype)], dim=1)
        logits = model(nxt[:, None], mask, cache=cache)[:, -1].float()
    return torch.stack(out, dim=1).tolist()


@torch.no_grad()
def prm_outputs(model, case: dict) -> dict:
    ids, mask, pos = case["input_ids"], case["attention_mask"], case["position_ids"]
    cl = model(ids, mask, pos).float()
    p1 = F.softmax(cl, dim=-1)[..., 1]
    b, t = ids.shape
    last = [max(j for j in range(t) if mask[i, j]) for i in range(b)]
    sep_mask = (ids == SEP_ID) & (mask != 0)
    return {**case_inputs_json(case), "score_logits": rows_or_null(cl, mask), "class1_probs": rows_or_null(p1, mask),
            "step_scores": [[r7(x) for x in p1[i][sep_mask[i]].tolist()] for i in range(b)],
            "last_index": last, "last_token_class1_prob": [r7(float(p1[i, last[i]])) for i in range(b)]}


@torch.no_grad()
def scalar_outputs(model, case: dict) -> dict:
    logit, reward, last = model(case["input_ids"], case["attention_mask"], case["position_ids"])
    return {**case_inputs_json(case), "last_index": last.tolist(),
            "reward_logit": [r7(x) for x in logit.float().tolist()], "reward": [r7(x) for x in reward.float().tolist()]}


@torch.no_grad()
def bf16_op_order_spread(m16, case: dict) -> dict:
    """How far an equally valid bf16 implementation lands: every Linear as matmul then bias add instead of
    addmm (one extra bf16 rounding). Tells the C# test what bf16 tolerance is realistic."""
    ids, mask, pos = case["input_ids"], case["attention_mask"], case["position_ids"]
    real = mask.bool()
    ref = m16(ids, mask, pos).float()
    orig = torch.nn.Linear.forward
    try:
        torch.nn.Linear.forward = lambda self, x: (x @ self.weight.t() + self.bias) if self.bias is not None else x @ self.weight.t()
        alt = m16(ids, mask, pos).float()
    finally:
        torch.nn.Linear.forward = orig
    d = (alt - ref)[real].abs()
    return {"op_order_variant_max_abs_diff": r7(float(d.max())), "op_order_variant_mean_abs_diff": r7(float(d.mean()))}


def bf16_copy(model):
    import copy
    m = copy.deepcopy(model).to(torch.bfloat16)
    return m.eval()


# ---------------------------------------------------------------------------------------------------------
# Self-checks (fail loudly instead of writing wrong golden data)
# ---------------------------------------------------------------------------------------------------------

def assert_close(a: torch.Tensor, b: torch.Tensor, atol: float, what: str) -> float:
    d = float((a - b).abs().max())
    if not d <= atol:
        raise AssertionError(f"{what}: max abs diff {d} > {atol}")
    return d


@torch.no_grad()
def check_padding_invariance(model, seq: List[int], pad_left: int, what: str) -> float:
    """A left-padded row must give the logits of the same sequence alone (positions renumber from 0)."""
    alone = model(torch.tensor([seq]))
    ids = torch.tensor([[PAD_ID] * pad_left + seq])
    mask = torch.tensor([[0] * pad_left + [1] * len(seq)])
    padded = model(ids, mask)[:, pad_left:]
    return assert_close(alone.float(), padded.float(), 1e-5, f"{what}: padding invariance")


@torch.no_grad()
def sensitivity(model, case: dict) -> Dict[str, float]:
    """Max |logit diff| that typical implementation bugs cause on `case` (real positions only). The golden
    data is only useful if these are far above the test tolerance."""
    ids, mask, pos = case["input_ids"], case["attention_mask"], case["position_ids"]
    ref = model(ids, mask, pos).float()
    real = mask.bool()

    def diff(run: Callable[[], torch.Tensor]) -> float:
        return r7(float((run().float() - ref)[real].abs().max()))

    out = {}
    orig_rot, orig_rep, orig_mask = qr.rotate_half, qr.repeat_kv, qr.build_additive_mask
    try:
        qr.rotate_half = lambda x: torch.stack((-x[..., 1::2], x[..., 0::2]), dim=-1).flatten(-2)  # GPT-J pairs
        out["rope_interleaved_pairs"] = diff(lambda: model(ids, mask, pos))
        qr.rotate_half = orig_rot
        qr.repeat_kv = lambda x, n: x.repeat(1, n, 1, 1)  # kv head i serving heads i, i+kvH, ...
        if model.config.num_key_value_heads > 1:
            out["gqa_wrong_head_order"] = diff(lambda: model(ids, mask, pos))
        qr.repeat_kv = orig_rep
        out["no_rope"] = diff(lambda: model(ids, mask, torch.zeros_like(pos)))
        out["positions_arange_ignoring_padding"] = diff(lambda: model(ids, mask, torch.arange(ids.shape[1]).expand_as(ids)))
        qr.build_additive_mask = lambda m, t, dt: orig_mask(torch.ones_like(m), t, dt)
        out["padding_not_masked"] = diff(lambda: model(ids, mask, pos))
        qr.build_additive_mask = orig_mask
        saved_theta = model.model.rotary_emb.inv_freq.clone()
        d = model.config.head_dim
        other = 1e6 if model.config.rope_theta != 1e6 else 1e4
        model.model.rotary_emb.inv_freq.copy_(1.0 / (other ** (torch.arange(0, d, 2).float() / d)))
        out["wrong_rope_theta"] = diff(lambda: model(ids, mask, pos))
        model.model.rotary_emb.inv_freq.copy_(saved_theta)
        norms = [m for n, m in model.named_modules() if isinstance(m, qr.Qwen2RMSNorm)]
        saved = [m.weight.clone() for m in norms]
        for m in norms:
            m.weight.fill_(1.0)
        out["norm_weights_ignored"] = diff(lambda: model(ids, mask, pos))
        for m, w in zip(norms, saved):
            m.weight.copy_(w)
        biases = [m.bias for n, m in model.named_modules() if n.endswith(("q_proj", "k_proj", "v_proj"))]
        saved_b = [b.clone() for b in biases]
        for b_ in biases:
            b_.zero_()
        out["qkv_bias_ignored"] = diff(lambda: model(ids, mask, pos))
        for b_, s in zip(biases, saved_b):
            b_.copy_(s)
    finally:
        qr.rotate_half, qr.repeat_kv, qr.build_additive_mask = orig_rot, orig_rep, orig_mask
    assert_close(model(ids, mask, pos).float(), ref, 0.0, "model restored after sensitivity run")
    return out


# ---------------------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------------------

def folder_files(folder: str) -> Dict[str, int]:
    return {n: os.path.getsize(os.path.join(folder, n)) for n in sorted(os.listdir(folder))}


OUTPUTS = ["golden.json", "tiny-qwen2", "tiny-qwen2-tied", "tiny-qwen2-prm", "tiny-qwen2-prm-scalar"]


def check_up_to_date(out_dir: str) -> int:
    """Regenerates into a temporary folder and compares every output byte for byte with out_dir."""
    import filecmp
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        generate(tmp, skip_checks=False, verbose=False)
        stale = []
        for entry in OUTPUTS:
            a, b = os.path.join(tmp, entry), os.path.join(out_dir, entry)
            files = [""] if os.path.isfile(a) else sorted(os.listdir(a))
            if os.path.isdir(b) and sorted(os.listdir(b)) != files:
                stale.append(f"{entry}/ (file list)")
            for f in files:
                fa, fb = os.path.join(a, f) if f else a, os.path.join(b, f) if f else b
                if not os.path.isfile(fb) or not filecmp.cmp(fa, fb, shallow=False):
                    stale.append(os.path.relpath(fb, out_dir))
    if stale:
        print("stale or missing: " + ", ".join(stale))
        return 1
    print(f"all outputs in {out_dir} are up to date")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=HERE, help="output folder (default: this script's folder)")
    ap.add_argument("--skip-checks", action="store_true", help="skip self-checks (not recommended)")
    ap.add_argument("--check", action="store_true",
                    help="write nothing; regenerate in a temporary folder and fail if --out differs")
    args = ap.parse_args()
    torch.set_num_threads(1)  # single-threaded kernels: bit-identical re-runs
    if args.check:
        return check_up_to_date(args.out)
    generate(args.out, args.skip_checks, verbose=True)
    return 0


def generate(out_dir: str, skip_checks: bool, verbose: bool) -> None:
    g = torch.Generator().manual_seed(1234)

    # Shared inputs (ids drawn once so every checkpoint sees the same batches).
    s_single = random_ids(g, 10)
    s_long, s_short = random_ids(g, 12), random_ids(g, 7)
    lm_cases = [make_case("single", [s_single]), make_case("left_padded", [s_long, s_short], "left")]
    greedy_cases = [make_case("single", [random_ids(g, 6)]),
                    make_case("left_padded", [random_ids(g, 9), random_ids(g, 5)], "left")]
    p_single = with_seps(random_ids(g, 12), [4, 8, 11])
    p_a, p_b = with_seps(random_ids(g, 11), [3, 7, 10]), with_seps(random_ids(g, 6), [2, 5])
    prm_cases = [make_case("single", [p_single]), make_case("left_padded", [p_a, p_b], "left"),
                 make_case("right_padded", [p_a, p_b], "right")]
    sc_a, sc_b = random_ids(g, 10), random_ids(g, 5)
    scalar_cases = [make_case("single", [sc_a]), make_case("right_padded", [sc_a, sc_b], "right"),
                    make_case("left_padded", [sc_a, sc_b], "left")]

    golden = {
        "format_version": FORMAT_VERSION,
        "generator": {"script": "tests/data/models/make_golden.py", "reference": "tests/data/models/qwen2_reference.py",
                      "torch": torch.__version__, "python": platform.python_version(), "threads": 1},
        "conventions": {
            "float_digits": 7,
            "null": "outputs at padded positions (attention_mask 0) are undefined and written as null",
            "position_ids": "cumsum(attention_mask)-1 for real tokens, 1 at pads (HF generation); given explicitly per case",
            "token_logprobs": "[b][t] = log_softmax(logits[b][t-1])[input_ids[b][t]]; null when t or t-1 is padding or t is the first token",
            "pad_token_id": PAD_ID, "sep_token_id": SEP_ID,
        },
        "checkpoints": {},
    }

    # ---- causal LMs ----
    lm_specs = [
        ("tiny-qwen2", base_config(), 101),
        ("tiny-qwen2-tied", base_config(num_key_value_heads=1, tie_word_embeddings=True, rope_theta=1000000.0,
                                        rms_norm_eps=1e-5), 205),  # 205: first seed whose greedy rows all vary
    ]
    for name, cfg, seed in lm_specs:
        model = qr.Qwen2ForCausalLM(cfg).eval()
        init_weights(model, seed)
        folder = os.path.join(out_dir, name)
        qr.save_pretrained(model, folder)
        model = qr.from_pretrained(folder)  # golden numbers come from what was written
        entry = {"folder": name, "kind": "causal_lm", "seed": seed, "config": cfg.to_hf_dict(),
                 "cases": [causal_lm_outputs(model, c) for c in lm_cases],
                 "greedy": [greedy_full_recompute(model, c, GREEDY_NEW_TOKENS) for c in greedy_cases]}
        m16 = bf16_copy(model)
        bf16_case = lm_cases[1]
        entry["bf16"] = {**case_inputs_json(bf16_case), "weights_dtype": "bfloat16",
                         "logits": rows_or_null(m16(bf16_case["input_ids"], bf16_case["attention_mask"], bf16_case["position_ids"]).float(), bf16_case["attention_mask"])}
        if not skip_checks:
            for gc, gj in zip(greedy_cases, entry["greedy"]):
                kv = greedy_kv_cache(model, gc, GREEDY_NEW_TOKENS)
                if kv != gj["generated_ids"]:
                    raise AssertionError(f"{name}/{gc['name']}: KV-cache greedy {kv} != full recompute {gj['generated_ids']}")
            check_padding_invariance(model, s_short, 5, name)
            entry["sensitivity_max_abs_logit_diff"] = sensitivity(model, lm_cases[1])
            d16 = float((m16(lm_cases[1]["input_ids"], lm_cases[1]["attention_mask"], lm_cases[1]["position_ids"]).float()
                         - model(lm_cases[1]["input_ids"], lm_cases[1]["attention_mask"], lm_cases[1]["position_ids"]))[lm_cases[1]["attention_mask"].bool()].abs().max())
            entry["bf16"]["max_abs_diff_vs_fp32"] = r7(d16)
            entry["bf16"].update(bf16_op_order_spread(m16, bf16_case))
        entry["files"] = folder_files(folder)
        golden["checkpoints"][name] = entry

    # ---- PRM (Qwen2ForProcessRewardModel) ----
    cfg = base_config(architectures=["Qwen2ForProcessRewardModel"])
    model = qr.Qwen2ForProcessRewardModel(cfg).eval()
    init_weights(model, 303)
    folder = os.path.join(out_dir, "tiny-qwen2-prm")
    qr.save_pretrained(model, folder)
    model = qr.from_pretrained(folder)
    entry = {"folder": "tiny-qwen2-prm", "kind": "prm", "seed": 303, "config": cfg.to_hf_dict(), "sep_token_id": SEP_ID,
             "cases": [prm_outputs(model, c) for c in prm_cases]}
    entry["bf16"] = {**prm_outputs(bf16_copy(model), prm_cases[1]), "weights_dtype": "bfloat16"}
    entry["files"] = folder_files(folder)
    golden["checkpoints"]["tiny-qwen2-prm"] = entry

    # ---- scalar head (ReasonFlux-PRM-1.5B style) ----
    cfg = base_config(num_key_value_heads=1, tie_word_embeddings=True, rope_theta=1000000.0)
    model = qr.ScalarRewardModel(cfg).eval()
    init_weights(model, 404)
    folder = os.path.join(out_dir, "tiny-qwen2-prm-scalar")
    qr.save_pretrained(model, folder)
    model = qr.from_pretrained(folder)
    if not skip_checks:
        pt_head = torch.load(os.path.join(folder, "reward_head.pt"))
        for k, v in pt_head.items():
            assert_close(v, model.reward_head.state_dict()[k], 0.0, f"reward_head.pt {k}")
    entry = {"folder": "tiny-qwen2-prm-scalar", "kind": "scalar_rm", "seed": 404, "config": cfg.to_hf_dict(),
             "head_files": ["reward_head.pt", "reward_head.safetensors"], "head_keys": {"weight": [1, cfg.hidden_size], "bias": [1]},
             "cases": [scalar_outputs(model, c) for c in scalar_cases]}
    entry["files"] = folder_files(folder)
    golden["checkpoints"]["tiny-qwen2-prm-scalar"] = entry

    path = os.path.join(out_dir, "golden.json")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        dump_json(golden, f)
        f.write("\n")
    os.replace(tmp, path)
    if not verbose:
        return
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")
    for name, e in golden["checkpoints"].items():
        print(f"  {name}: {e['files']}")
        if "sensitivity_max_abs_logit_diff" in e:
            print(f"    sensitivity: {e['sensitivity_max_abs_logit_diff']}")
        if "greedy" in e:
            print(f"    greedy min margin: {min(min(r) for gr in e['greedy'] for r in gr['top2_margins'])}")


if __name__ == "__main__":
    sys.exit(main())
