#!/usr/bin/python3
"""PerfBench, PyTorch-eager peer: the same work as benchmarks/PerfBench in plain PyTorch (fp32, CPU).

Runs as a child of PerfBench, which interleaves it with our implementation round by round (A B A B):
  peer_eager.py --kind sft|grpo|prm|rollout --checkpoint DIR [--batch B --seq T --prompt P --new N --threads 2]
prints one JSON line when ready, then answers each stdin line "run K" with one JSON line
{"seconds": [...], "cpu_seconds": [...], "check": float, "peak_rss_mb": float} after K timed iterations ("quit" ends it).
The model is tests/data/models/qwen2_reference.py (HF modeling_qwen2 numerics, eager attention).

  peer_eager.py --make-checkpoint DIR --config 25m|125m [--prm]
writes a random model (weights from seed 0) that both sides then load.

Inputs are the deterministic token ids of ids() below; PerfBench computes the same ones (Inputs.cs).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

# libgomp's active spin-wait ruins 2-thread timings on a shared machine; PerfBench sets the same for itself.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "data", "models"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qwen2_reference as qr  # noqa: E402
import generate_eager as ge  # noqa: E402


def ids(rows: int, length: int, vocab: int) -> torch.Tensor:
    """Token (r, t) = (r·1009 + t·7919 + 17) mod (vocab − 8) + 4: the same formula as Inputs.cs."""
    r = torch.arange(rows, dtype=torch.long)[:, None]
    t = torch.arange(length, dtype=torch.long)[None, :]
    return (r * 1009 + t * 7919 + 17) % (vocab - 8) + 4


def prm_lengths(items: int, seq: int):
    """Item i has seq/2 + (i·37 mod seq/2) tokens: lengths spread over [seq/2, seq)."""
    half = seq // 2
    return [half + (i * 37) % half for i in range(items)]


def prm_read_positions(length: int, steps: int):
    """steps separator positions spread evenly, then the last token."""
    return [(k + 1) * length // (steps + 1) for k in range(steps)] + [length - 1]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Sft:
    """forward, token cross-entropy (sum / tokens), backward, clip_grad_norm 1.0, AdamW."""

    def __init__(self, model, a):
        self.model = model.train()
        self.params = [p for p in model.parameters()]
        self.opt = torch.optim.AdamW(self.params, lr=1e-5, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0)
        self.x = ids(a.batch, a.seq, model.config.vocab_size)

    def step(self) -> float:
        self.opt.zero_grad(set_to_none=True)
        h = self.model.model(self.x)
        logits = self.model.lm_head(h[:, :-1].reshape(-1, h.size(-1)))
        targets = self.x[:, 1:].reshape(-1)
        summed = F.cross_entropy(logits, targets, reduction="sum")
        (summed / targets.numel()).backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        return float(summed) / targets.numel()


class Grpo:
    """One GRPO update over `batch` prompt+completion rows: token log-probs of the completion, entropy (metric,
    no grad), clipped surrogate with per-sequence advantages, token-mean, backward, clip, AdamW."""

    def __init__(self, model, a):
        self.model = model.train()
        self.params = [p for p in model.parameters()]
        self.opt = torch.optim.AdamW(self.params, lr=1e-6, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0)
        self.x = ids(a.batch, a.seq, model.config.vocab_size)
        self.prompt = a.prompt
        mask = torch.zeros(a.batch, a.seq - 1)
        mask[:, a.prompt - 1:] = 1
        self.mask = mask
        self.adv = torch.tensor([(1.0 if r % 2 == 0 else -1.0) for r in range(a.batch)])[:, None].expand_as(mask)

    def step(self) -> float:
        self.opt.zero_grad(set_to_none=True)
        logits = self.model(self.x)[:, :-1]
        logp_all = torch.log_softmax(logits.float(), -1)
        logp = logp_all.gather(-1, self.x[:, 1:, None]).squeeze(-1)
        with torch.no_grad():
            entropy = -(logp_all.exp() * logp_all).sum(-1)
            _ = float((entropy * self.mask).sum())
        ratio = torch.exp(logp - logp.detach())
        surrogate = torch.minimum(ratio * self.adv, ratio.clamp(0.8, 1.2) * self.adv)
        loss = -(surrogate * self.mask).sum() / self.mask.sum()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        return float(loss)


class Prm:
    """Two-class PRM scoring without autograd: items sorted by length (longest first) in batches of `batch`,
    right-padded, score head only at the read positions, P(class 1)."""

    def __init__(self, model, a):
        self.model = model.eval()
        vocab = model.config.vocab_size
        lengths = prm_lengths(a.items, a.seq)
        order = sorted(range(a.items), key=lambda i: (-lengths[i], i))
        self.batches = []
        for s in range(0, a.items, a.batch):
            rows = order[s:s + a.batch]
            width = max(lengths[i] for i in rows)
            x = torch.zeros(len(rows), width, dtype=torch.long)
            m = torch.zeros(len(rows), width, dtype=torch.long)
            flat = []
            for j, i in enumerate(rows):
                x[j, :lengths[i]] = ids(i + 1, lengths[i], vocab)[i]
                m[j, :lengths[i]] = 1
                flat += [j * width + p for p in prm_read_positions(lengths[i], a.steps)]
            padded = not bool(m.all())
            self.batches.append((x, m if padded else None, torch.tensor(flat)))

    @torch.inference_mode()
    def step(self) -> float:
        total = 0.0
        for x, m, flat in self.batches:
            h = self.model.model(x, m)
            picked = h.reshape(-1, h.size(-1)).index_select(0, flat)
            total += float(self.model.score(picked).float().softmax(-1)[:, 1].sum())
        return total


class Rollout:
    """Greedy generation through generate_eager.py: prefill of [batch, prompt], then new−1 decode steps."""

    def __init__(self, model, a):
        self.model = model.eval()
        self.x = ids(a.batch, a.prompt, model.config.vocab_size)
        self.new = a.new
        self.last = None

    def step(self) -> float:
        out, _, tp, td = ge.generate(self.model, self.x, self.new)
        self.last = (tp, td)
        return float(out[0, -1])


KINDS = {"sft": Sft, "grpo": Grpo, "prm": Prm, "rollout": Rollout}


def serve(a) -> int:
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = qr.from_pretrained(a.checkpoint).float()
    work = KINDS[a.kind](model, a)
    print(json.dumps({"ready": True, "torch": torch.__version__, "peak_rss_mb": peak_rss_mb()}), flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd or cmd[0] == "quit":
            break
        seconds, cpu, extra, check = [], [], [], 0.0
        for _ in range(int(cmd[1])):
            t0, c0 = time.perf_counter(), time.process_time()
            check = work.step()
            seconds.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            if isinstance(work, Rollout):
                extra.append(work.last)
        reply = {"seconds": seconds, "cpu_seconds": cpu, "check": check, "peak_rss_mb": peak_rss_mb()}
        if extra:
            reply["prefill_seconds"] = [e[0] for e in extra]
            reply["decode_seconds"] = [e[1] for e in extra]
        print(json.dumps(reply), flush=True)
    return 0


def make_checkpoint(a) -> int:
    cfg = qr.Qwen2Config(**ge.CONFIGS[a.config], **ge.COMMON)
    if a.prm:
        cfg.architectures = ["Qwen2ForProcessRewardModel"]
        model = qr.Qwen2ForProcessRewardModel(cfg)
    else:
        model = qr.Qwen2ForCausalLM(cfg)
    qr.init_random_weights(model, 0, fan_in_scaled=True)
    tmp = a.make_checkpoint + ".tmp"
    qr.save_pretrained(model, tmp)
    os.replace(tmp, a.make_checkpoint)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", choices=sorted(KINDS))
    ap.add_argument("--checkpoint")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--prompt", type=int, default=64)
    ap.add_argument("--new", type=int, default=32)
    ap.add_argument("--items", type=int, default=32)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--make-checkpoint", metavar="DIR")
    ap.add_argument("--config", choices=sorted(ge.CONFIGS))
    ap.add_argument("--prm", action="store_true")
    a = ap.parse_args()
    if a.make_checkpoint:
        return make_checkpoint(a)
    if not a.kind or not a.checkpoint:
        ap.error("--kind and --checkpoint are required (or --make-checkpoint)")
    return serve(a)


if __name__ == "__main__":
    sys.exit(main())
