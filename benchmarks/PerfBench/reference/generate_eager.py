#!/usr/bin/python3
"""PerfBench's rollout cells, PyTorch-eager peer: greedy generation with a Qwen2 model (plain PyTorch, fp32, CPU).

The model is tests/data/models/qwen2_reference.py (HF modeling_qwen2 numerics, eager attention) with a
preallocated KV cache: one prefill forward over the prompt (logits of the last position only), then one
forward per new token. Random weights from --seed unless --load-checkpoint is given.

Timing (time.perf_counter, after one untimed warm-up generation per model):
  prefill tokens/s = batch * prompt_len / prefill seconds     (prefill also yields new token 1)
  decode  tokens/s = batch * (new_tokens - 1) / decode seconds (tokens 2..new_tokens, one forward each)
  total   tokens/s = batch * new_tokens / (prefill + decode seconds)

Prompts: torch.randint(0, vocab, (max batch, prompt_len)) from torch.Generator().manual_seed(seed + 1);
batch B uses the first B rows, so sequence 0 is the same prompt in every run. The JSON output carries the
prompt rows used and the generated ids, so another implementation fed the same checkpoint can check that it
produces the same tokens.

Examples:
  /usr/bin/python3 benchmarks/PerfBench/reference/generate_eager.py                # whole sweep, both configs
  /usr/bin/python3 benchmarks/PerfBench/reference/generate_eager.py --config 25m --batch 1 \\
      --save-checkpoint /tmp/qwen2-25m --json /tmp/25m.json                            # also write the weights
  /usr/bin/python3 benchmarks/PerfBench/reference/generate_eager.py --load-checkpoint /tmp/qwen2-25m --batch 1,16
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from typing import Dict, List

# libgomp's default active spin-wait makes 2-thread element-wise kernels 20-60x slower as soon as the cores are
# shared with other processes (measured here: a 25m prefill went from 0.1 s to 2 s). PASSIVE must be set before
# torch (and its OpenMP runtime) loads; --omp-wait-policy is checked against it below.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "data", "models"))
import qwen2_reference as qr  # noqa: E402

# Benchmark model shapes. 25m ties embeddings (21.7M parameters), 125m does not (125.0M), so both lm_head
# paths are exercised.
CONFIGS: Dict[str, dict] = {
    "25m": dict(vocab_size=32000, hidden_size=384, intermediate_size=1024, num_hidden_layers=6,
                num_attention_heads=6, num_key_value_heads=2, tie_word_embeddings=True),
    "125m": dict(vocab_size=32000, hidden_size=768, intermediate_size=2048, num_hidden_layers=12,
                 num_attention_heads=12, num_key_value_heads=4, tie_word_embeddings=False),
}
COMMON = dict(rope_theta=10000.0, rms_norm_eps=1e-6, max_position_embeddings=4096, bos_token_id=1, eos_token_id=2,
              torch_dtype="float32")


def parse_int_list(s: str) -> List[int]:
    try:
        vals = [int(x) for x in s.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {s!r}")
    if not vals or any(v <= 0 for v in vals):
        raise argparse.ArgumentTypeError(f"expected positive integers, got {s!r}")
    return vals


def build_model(name: str, seed: int) -> qr.Qwen2ForCausalLM:
    cfg = qr.Qwen2Config(**CONFIGS[name], **COMMON)
    model = qr.Qwen2ForCausalLM(cfg)
    qr.init_random_weights(model, seed, fan_in_scaled=True)
    return model.eval()


def param_count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())  # a tied parameter counts once


@torch.inference_mode()
def generate(model: qr.Qwen2ForCausalLM, prompts: torch.Tensor, new_tokens: int):
    """Greedy: prefill, then new_tokens-1 single-token decode steps. Returns (ids [B,N], margins of row 0, times)."""
    b, p = prompts.shape
    cache = qr.KVCache(model.config, b, p + new_tokens, dtype=torch.float32)
    t0 = time.perf_counter()
    logits = model(prompts, cache=cache, last_only=True)[:, -1]
    nxt = logits.argmax(-1)
    t1 = time.perf_counter()
    out = [nxt]
    top2 = logits[0].topk(2).values
    margins = [float(top2[0] - top2[1])]
    for _ in range(new_tokens - 1):
        logits = model(nxt[:, None], cache=cache)[:, -1]
        nxt = logits.argmax(-1)
        out.append(nxt)
        top2 = logits[0].topk(2).values
        margins.append(float(top2[0] - top2[1]))
    t2 = time.perf_counter()
    return torch.stack(out, dim=1), margins, t1 - t0, t2 - t1


def write_markdown(path: str, results: dict) -> None:
    lines = [f"# PerfBench's rollout cells: PyTorch eager reference (CPU, fp32)", "",
             f"torch {results['torch']}, {results['threads']} threads, OMP_WAIT_POLICY {results['omp_wait_policy']}, "
             f"prompt {results['prompt_len']} tokens, greedy, {results['cpu_count']} CPUs, load average "
             f"{results['load_average_at_start'][0]} at start / {results['load_average_at_end'][0]} at end.", "",
             "| model | params | batch | new tokens | prefill tok/s | decode tok/s | total tok/s | prefill s | decode s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for m in results["models"]:
        for r in m["runs"]:
            dec = f"{r['decode_tokens_per_s']:.1f}" if r["decode_tokens_per_s"] is not None else "-"
            lines.append(f"| {m['name']} | {m['params'] / 1e6:.1f}M | {r['batch']} | {r['new_tokens']} | "
                         f"{r['prefill_tokens_per_s']:.1f} | {dec} | {r['total_tokens_per_s']:.1f} | "
                         f"{r['prefill_seconds']:.3f} | {r['decode_seconds']:.3f} |")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="25m,125m",
                    help="comma list of model shapes: 25m, 125m (default both); ignored with --load-checkpoint")
    ap.add_argument("--batch", type=parse_int_list, default=[1, 16, 64], help="comma list of batch sizes (default 1,16,64)")
    ap.add_argument("--prompt-len", type=int, default=64, help="prompt tokens per sequence (default 64)")
    ap.add_argument("--new-tokens", type=int, default=64, help="generated tokens per sequence (default 64)")
    ap.add_argument("--max-batch-tokens", type=int, default=0,
                    help="cap batch*new_tokens per run by lowering new_tokens for big batches (0 = no cap)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--seed", type=int, default=0, help="weights from seed, prompts from seed+1 (default 0)")
    ap.add_argument("--save-checkpoint", metavar="DIR",
                    help="write the random model as an HF folder (config.json + model.safetensors); one --config only")
    ap.add_argument("--load-checkpoint", metavar="DIR", help="load an HF Qwen2ForCausalLM folder instead of random weights")
    ap.add_argument("--omp-wait-policy", choices=["PASSIVE", "ACTIVE"], default="PASSIVE",
                    help="OpenMP wait policy (default PASSIVE; set via the OMP_WAIT_POLICY environment variable, "
                         "which this script defaults to PASSIVE before torch loads)")
    ap.add_argument("--json", metavar="OUT", help="write results (timings, prompts, generated ids) as JSON")
    ap.add_argument("--markdown", metavar="OUT", help="write the timing table as Markdown")
    args = ap.parse_args()

    if args.prompt_len <= 0 or args.new_tokens <= 0 or args.threads <= 0:
        ap.error("--prompt-len, --new-tokens and --threads must be positive")
    if os.environ["OMP_WAIT_POLICY"].upper() != args.omp_wait_policy:
        # The runtime read the variable at load time; re-exec so the requested policy takes effect.
        os.environ["OMP_WAIT_POLICY"] = args.omp_wait_policy
        os.execv(sys.executable, [sys.executable] + sys.argv)
    torch.set_num_threads(args.threads)
    names = [c.strip() for c in args.config.split(",") if c.strip()]
    if args.load_checkpoint:
        names = [os.path.basename(os.path.normpath(args.load_checkpoint))]
    else:
        bad = [n for n in names if n not in CONFIGS]
        if bad:
            ap.error(f"unknown --config {bad}; choose from {sorted(CONFIGS)}")
    if args.save_checkpoint and (len(names) != 1 or args.load_checkpoint):
        ap.error("--save-checkpoint needs exactly one --config and no --load-checkpoint")

    max_batch = max(args.batch)
    results = {"tool": "benchmarks/PerfBench/reference/generate_eager.py", "implementation": "pytorch-eager",
               "torch": torch.__version__, "python": platform.python_version(), "threads": args.threads,
               "omp_wait_policy": args.omp_wait_policy, "device": "cpu", "dtype": "float32", "seed": args.seed, "prompt_len": args.prompt_len,
               "new_tokens": args.new_tokens, "cpu_count": os.cpu_count(),
               "load_average_at_start": [round(x, 2) for x in os.getloadavg()], "models": []}
    print(f"torch {torch.__version__}, threads {args.threads}, OMP_WAIT_POLICY {args.omp_wait_policy}, prompt {args.prompt_len}, new tokens {args.new_tokens}")
    print(f"{'model':>8} {'params':>8} {'batch':>5} {'new':>4} {'prefill tok/s':>14} {'decode tok/s':>13} "
          f"{'total tok/s':>12} {'prefill s':>9} {'decode s':>9}")
    for name in names:
        t_load = time.perf_counter()
        if args.load_checkpoint:
            model = qr.from_pretrained(args.load_checkpoint, kind="causal_lm").float()
        else:
            model = build_model(name, args.seed)
        t_load = time.perf_counter() - t_load
        cfg = model.config
        if args.save_checkpoint:
            qr.save_pretrained(model, args.save_checkpoint)
            print(f"saved {args.save_checkpoint}")
        prompts_all = torch.randint(0, cfg.vocab_size, (max_batch, args.prompt_len),
                                    generator=torch.Generator().manual_seed(args.seed + 1))
        generate(model, prompts_all[:1, : min(8, args.prompt_len)], 4)  # warm-up (allocator, kernels)
        entry = {"name": name, "params": param_count(model), "config": cfg.to_hf_dict(),
                 "checkpoint": args.load_checkpoint or args.save_checkpoint, "build_seconds": round(t_load, 3),
                 "prompt_ids": prompts_all.tolist(), "runs": []}
        seq0_ref = None
        for b in args.batch:
            n = args.new_tokens
            if args.max_batch_tokens and b * n > args.max_batch_tokens:
                n = max(2, args.max_batch_tokens // b)
            ids, margins, tp, td = generate(model, prompts_all[:b], n)
            seq0 = ids[0].tolist()
            if seq0_ref is None:
                seq0_ref, same = seq0, None
            else:  # batched kernels may round differently; compare the common prefix with the first run
                k = min(len(seq0_ref), len(seq0))
                same = seq0_ref[:k] == seq0[:k]
            run = {"batch": b, "new_tokens": n,
                   "prefill_seconds": round(tp, 6), "decode_seconds": round(td, 6),
                   "prefill_tokens_per_s": round(b * args.prompt_len / tp, 2),
                   "decode_tokens_per_s": round(b * (n - 1) / td, 2) if n > 1 else None,
                   "total_tokens_per_s": round(b * n / (tp + td), 2),
                   "generated_ids_seq0": seq0, "seq0_min_top2_margin": round(min(margins), 6),
                   "seq0_matches_first_run": same, "generated_ids": ids.tolist()}
            entry["runs"].append(run)
            dec = f"{run['decode_tokens_per_s']:13.1f}" if run["decode_tokens_per_s"] is not None else f"{'-':>13}"
            print(f"{name:>8} {entry['params'] / 1e6:7.1f}M {b:5d} {n:4d} {run['prefill_tokens_per_s']:14.1f} {dec} "
                  f"{run['total_tokens_per_s']:12.1f} {tp:9.3f} {td:9.3f}", flush=True)
        results["models"].append(entry)
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(f"load average (1/5/15 min): start {results['load_average_at_start']}, end {results['load_average_at_end']} "
          f"on {os.cpu_count()} CPUs; other processes on the machine distort the timings")
    if args.markdown:
        write_markdown(args.markdown, results)
        print(f"wrote {args.markdown}")
    if args.json:
        tmp = args.json + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)
            f.write("\n")
        os.replace(tmp, args.json)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
