#!/usr/bin/python3
"""Probe: can a ReasonFlux-style PRM (two-class head read at step separators), trained from the quickstart's tiny SFT
policy, learn to check the policy's own arithmetic slips? A standalone PyTorch re-creation of the quickstart (same task
shape, byte tokens, a 2-layer 64-wide Qwen2-like model, SFT 1000 steps at 3e-3, T 0.7 samples); not the product code.
Run with Debian's python3-torch (1.13), one thread: /usr/bin/python3 docs/experiments/quickstart_prm_probe.py --help.
Findings and the measured table: docs/experiments/quickstart-prm-probe.md.
"""
import argparse, collections, copy, math, os, random, re, sys, time
import torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(1)
IMS, IME, EOS, SEP = 256, 257, 258, 259  # SEP: <extra_0>, never seen in SFT; --separator newline sets it to "\n"
V = 262
def gen_problem(r):
    while True:
        v = r.randint(10, 99); start = v; ops = []
        for _ in range(3):
            a, b = divmod(v, 10)
            adds = [d for d in range(1, 10) if b + d <= 9]
            subs = [d for d in range(1, 10) if b - d >= 0 and v - d >= 10]
            add = bool(adds) and (not subs or r.random() < .5)
            if not adds and not subs: break
            d = r.choice(adds if add else subs); op = '+' if add else '-'
            ops.append((op, d)); v = v + d if add else v - d
        if len(ops) == 3: return start, ops
def steps_of(start, ops, slip_at=None, slip=0, restart=False):
    v = start; st = []; truth = start
    for i, (op, d) in enumerate(ops):
        r = (v + d if op == '+' else v - d); truth = (truth + d if op == '+' else truth - d)
        if i == slip_at: r += slip
        st.append((v, op, d, r)); v = truth if restart else r
    return st, v
def text(start, ops): return "Compute %d%s." % (start, "".join(" %s %d" % o for o in ops))
def stxt(s): return "%d %s %d = %d" % s
def completion(st, ans): return "<think>\n" + "\n\n".join(map(stxt, st)) + "\n</think>\n\n\\boxed{%d}" % ans
def prompt_ids(q): return [IMS] + list(b"user\n" + q.encode()) + [IME] + list(b"\n") + [IMS] + list(b"assistant\n")
def label(start, ops, stepstrs):
    truth, _ = steps_of(start, ops); out = []; ok = True
    for i, s in enumerate(stepstrs):
        good = ok and i < len(truth) and s.strip() == stxt(truth[i]); out.append(good); ok = ok and good
    return out
class RMS(nn.Module):
    def __init__(s, d): super().__init__(); s.w = nn.Parameter(torch.ones(d))
    def forward(s, x): return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * s.w
def rope(x, pos):
    d = x.shape[-1]; inv = 1.0 / (10000 ** (torch.arange(0, d, 2).float() / d)); f = pos[:, None].float() * inv[None]
    cos, sin = torch.cat([f.cos()] * 2, -1), torch.cat([f.sin()] * 2, -1)
    x1, x2 = x[..., :d // 2], x[..., d // 2:]; return x * cos + torch.cat([-x2, x1], -1) * sin
class Block(nn.Module):
    def __init__(s, h=64, nh=4, inter=176):
        super().__init__(); s.nh = nh; s.n1 = RMS(h); s.n2 = RMS(h)
        s.q = nn.Linear(h, h); s.k = nn.Linear(h, h); s.v = nn.Linear(h, h); s.o = nn.Linear(h, h, bias=False)
        s.g = nn.Linear(h, inter, bias=False); s.u = nn.Linear(h, inter, bias=False); s.dn = nn.Linear(inter, h, bias=False)
    def forward(s, x):
        B, T, H = x.shape; y = s.n1(x); pos = torch.arange(T)
        q, k, v = [t(y).view(B, T, s.nh, H // s.nh).transpose(1, 2) for t in (s.q, s.k, s.v)]
        q, k = rope(q, pos), rope(k, pos)
        a = F.softmax((q @ k.transpose(-1, -2)) / math.sqrt(H // s.nh) + torch.full((T, T), -1e9).triu(1), -1) @ v
        x = x + s.o(a.transpose(1, 2).reshape(B, T, H)); y = s.n2(x)
        return x + s.dn(F.silu(s.g(y)) * s.u(y))
class LM(nn.Module):
    def __init__(s, L=2, h=64):
        super().__init__(); s.emb = nn.Embedding(V, h); s.blocks = nn.ModuleList([Block(h) for _ in range(L)]); s.norm = RMS(h)
        nn.init.normal_(s.emb.weight, std=0.02)
    def hidden(s, ids):
        x = s.emb(ids)
        for b in s.blocks: x = b(x)
        return s.norm(x)
    def forward(s, ids): return s.hidden(ids) @ s.emb.weight.T
def pad(seqs, val=0):
    T = max(map(len, seqs)); return torch.tensor([q + [val] * (T - len(q)) for q in seqs])
def sft(model, data, steps, lr, bs=16, seed=1, wd=0.1):
    r = random.Random(seed); opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=wd)
    for it in range(steps):
        for g in opt.param_groups: g['lr'] = lr * min(1, (it + 1) / 20)
        batch = [data[r.randrange(len(data))] for _ in range(bs)]
        ids = [p + c for p, c in batch]; tgt = [[-100] * (len(p) - 1) + c + [-100] for p, c in batch]
        x = pad(ids); y = pad(tgt, -100)[:, :x.shape[1]]
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten(), ignore_index=-100)
        opt.zero_grad(); loss.backward(); opt.step()
        if it % 250 == 0: print("sft", it, round(loss.item(), 3), flush=True)
@torch.no_grad()
def sample(model, prompts, n, T=0.7, max_new=64, seed=0):
    g = torch.Generator().manual_seed(seed); outs = []
    seqs = [p for p in prompts for _ in range(n)]
    for c in range(0, len(seqs), 400):
        ch = [list(s) for s in seqs[c:c + 400]]; done = [False] * len(ch); gen = [[] for _ in ch]
        for _ in range(max_new):
            L = [len(s) for s in ch]; x = pad(ch); logits = model(x)[torch.arange(len(ch)), torch.tensor(L) - 1]
            tok = torch.multinomial(F.softmax(logits / T, -1), 1, generator=g)[:, 0].tolist()
            for i, t in enumerate(tok):
                if done[i]: continue
                if t in (IME, EOS): done[i] = True; continue
                ch[i].append(t); gen[i].append(t)
            if all(done): break
        outs += [bytes(b for b in s if b < 256).decode('latin1') for s in gen]
    return outs
def block_step(b, x, pos0, cache):
    """Block.forward for positions pos0.. with a key/value cache (the same arithmetic)."""
    B, T, H = x.shape; y = b.n1(x); pos = torch.arange(pos0, pos0 + T)
    q, k, v = [t(y).view(B, T, b.nh, H // b.nh).transpose(1, 2) for t in (b.q, b.k, b.v)]
    q, k = rope(q, pos), rope(k, pos)
    if cache is not None: k, v = torch.cat([cache[0], k], 2), torch.cat([cache[1], v], 2)
    S = k.shape[2]
    a = F.softmax((q @ k.transpose(-1, -2)) / math.sqrt(H // b.nh) + torch.full((T, S), -1e9).triu(S - T + 1), -1) @ v
    x = x + b.o(a.transpose(1, 2).reshape(B, T, H)); y = b.n2(x)
    return x + b.dn(F.silu(b.g(y)) * b.u(y)), (k, v)
@torch.no_grad()
def sample_cached(model, prompts, n, T=0.7, max_new=64, seed=0):
    """sample() for prompts of one length (all of this task's are), with a key/value cache: same distribution."""
    assert len(set(map(len, prompts))) == 1
    g = torch.Generator().manual_seed(seed); outs = []
    seqs = [p for p in prompts for _ in range(n)]
    for c in range(0, len(seqs), 400):
        x = torch.tensor(seqs[c:c + 400]); done = [False] * len(x); gen = [[] for _ in x]; cache = [None] * len(model.blocks); pos = 0
        for _ in range(max_new):
            h = model.emb(x)
            for j, b in enumerate(model.blocks): h, cache[j] = block_step(b, h, pos, cache[j])
            pos += x.shape[1]; logits = model.norm(h[:, -1]) @ model.emb.weight.T
            tok = torch.multinomial(F.softmax(logits / T, -1), 1, generator=g)[:, 0].tolist()
            for i, t in enumerate(tok):
                if done[i]: continue
                if t in (IME, EOS): done[i] = True; continue
                gen[i].append(t)
            if all(done): break
            x = torch.tensor(tok)[:, None]
        outs += [bytes(b for b in s if b < 256).decode('latin1') for s in gen]
    return outs
def parse(comp):
    if "</think>" not in comp: return None, None
    th, resp = comp.split("</think>", 1); th = th.replace("<think>", "").strip()
    m = re.search(r"\\boxed\{(-?\d+)\}", resp); return th.split("\n\n"), (int(m.group(1)) if m else None)
def prm_ids(q, stepstrs, resp):
    ids = prompt_ids(q) + list(b"<think>\n"); pos = []
    for s in stepstrs: ids += list(s.encode()); pos.append(len(ids)); ids.append(SEP)
    ids += list(resp.encode()); pos.append(len(ids)); ids.append(SEP); return ids, pos
class PRM(nn.Module):
    def __init__(s, lm): super().__init__(); s.lm = lm; H = lm.emb.weight.shape[1]; s.head = nn.Sequential(nn.Linear(H, H), nn.ReLU(), nn.Linear(H, 2))
    def forward(s, ids): return s.head(s.lm.hidden(ids))
class PRMLP(nn.Module):
    """--lp-feature: the head reads [hidden, the frozen SFT backbone's log p and p of the token written there]. The
    backbone sees the policy's own text (each SEP back as the "\n\n" it was trained on); positions are mapped back."""
    def __init__(s, lm, base):
        super().__init__(); s.lm = lm; s.base = [base]; H = lm.emb.weight.shape[1]; s.head = nn.Sequential(nn.Linear(H + 2, H), nn.ReLU(), nn.Linear(H, 2))
        for q in base.parameters(): q.requires_grad_(False)
    def forward(s, ids):
        with torch.no_grad():
            rows, maps = [], []
            for r_ in ids.tolist():
                o, m = [], []
                for t in r_:
                    m.append(len(o)); o += [10, 10] if t == SEP else [t]
                rows.append(o); maps.append(m)
            bx = pad(rows); lp = F.log_softmax(s.base[0](bx), -1)
            tok = torch.gather(lp[:, :-1], 2, bx[:, 1:, None]).squeeze(-1); tok = torch.cat([torch.zeros_like(tok[:, :1]), tok], 1)
            tok = torch.gather(tok, 1, torch.tensor(maps)); f = torch.stack([tok.clamp(min=-20) / 5, tok.exp()], -1)
        return s.head(torch.cat([s.lm.hidden(ids), f], -1))
def expand(lm, n):
    lm = copy.deepcopy(lm)
    for _ in range(n):
        b = copy.deepcopy(lm.blocks[-1]); nn.init.zeros_(b.o.weight); nn.init.zeros_(b.dn.weight); lm.blocks.append(b)
    return lm
def train_prm(prm, data, steps, lr, bs=16, seed=1, lm_aux=0.0):
    r = random.Random(seed); opt = torch.optim.AdamW([q for q in prm.parameters() if q.requires_grad], lr=lr, weight_decay=0.0)
    for it in range(steps):
        f = min(1, (it + 1) / 10) * 0.5 * (1 + math.cos(math.pi * it / steps))
        for g in opt.param_groups: g['lr'] = lr * f
        batch = [data[r.randrange(len(data))] for _ in range(bs)]
        x = pad([b[0] for b in batch]); logits = prm(x)
        rows = torch.tensor([i for i, b in enumerate(batch) for _ in b[1]]); cols = torch.tensor([p for b in batch for p in b[1]])
        y = torch.tensor([t for b in batch for t in b[2]])
        loss = F.cross_entropy(logits[rows, cols], y)
        opt.zero_grad(); loss.backward(); opt.step()
        if it % 250 == 0: print("prm", it, round(loss.item(), 3), flush=True)
@torch.no_grad()
def prm_score(prm, items):
    out = []
    for c in range(0, len(items), 200):
        ch = items[c:c + 200]; x = pad([i[0] for i in ch]); p = F.softmax(prm(x), -1)[..., 1]
        out += [[p[j, q].item() for q in it[1]] for j, it in enumerate(ch)]
    return out
def auc(pos, neg):
    if not pos or not neg: return float('nan')
    s = sorted([(v, 1) for v in pos] + [(v, 0) for v in neg]); rank = 0; r1 = 0
    for i, (v, l) in enumerate(s):
        if l: r1 += i + 1
    return (r1 - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))

OFFSETS = [1, -1, 10, -10, 2, -2, 9, -9, 11, -11]  # the quickstart's TraceWriter error offsets


def policy(cache, rng, layers=2, sft_steps=1000, sft_lr=3e-3):
    if cache and os.path.exists(cache):
        state, evalp, samples = torch.load(cache); lm = LM(layers); lm.load_state_dict(state); return lm, evalp, samples
    evalp = [gen_problem(rng) for _ in range(200)]
    sftd = []
    for _ in range(20000):
        s, o = gen_problem(rng); st, ans = steps_of(s, o)
        sftd.append((prompt_ids(text(s, o)), list(completion(st, ans).encode()) + [IME]))
    lm = LM(layers); sft(lm, sftd, sft_steps, sft_lr)
    samples = sample(lm, [prompt_ids(text(s, o)) for s, o in evalp], 8, max_new=80)
    if cache: torch.save((lm.state_dict(), evalp, samples), cache)
    return lm, evalp, samples


def prm_record(args, pr, s, o, kind):
    def wrong(v):
        if args.errors in ('ones-digit', 'mixed'): return v - v % 10 + pr.choice([x for x in range(10) if x != v % 10])
        for _ in range(21):
            c = v + pr.choice(OFFSETS)
            if 10 <= c <= 99: return c
        return v + 1
    truth, ans = steps_of(s, o)
    if kind == 'correct': st, a = truth, ans
    elif kind == 'flawed':  # a wrong step, then the true value again: right answer
        at = pr.randrange(2); st = [list(x) for x in truth]; st[at][3] = wrong(st[at][3]); st = [tuple(x) for x in st]; a = ans
    else:  # wrong: the error carries forward
        at = pr.randrange(3); v = s; st = []
        for j, (op, d) in enumerate(o):
            res = v + d if op == '+' else v - d
            if j == at: res = wrong(res)
            st.append((v, op, d, res)); v = res
        a = v
    strs = [stxt(x) for x in st]
    return prm_item(args, s, o, strs, a)


def on_policy(args, lm, evalp):
    """Math-Shepherd-style PRM data: the SFT policy's own T 0.7 samples on fresh problems (none of them an eval
    problem), every step labelled exactly by label(); cached next to the policy cache."""
    cache = args.cache.replace('.pt', '') + f'_onpolicy_{args.onpolicy_problems}x{args.onpolicy_samples}.pt'
    if os.path.exists(cache): return torch.load(cache)
    r = random.Random(11); seen = {(s, tuple(o)) for s, o in evalp}; probs = []
    while len(probs) < args.onpolicy_problems:
        s, o = gen_problem(r)
        if (s, tuple(o)) not in seen: seen.add((s, tuple(o))); probs.append((s, o))
    t0 = time.time()
    comps = sample_cached(lm, [prompt_ids(text(s, o)) for s, o in probs], args.onpolicy_samples, max_new=80, seed=5)
    print("on-policy sampling seconds", round(time.time() - t0), flush=True)
    out = [(probs[n // args.onpolicy_samples], c) for n, c in enumerate(comps)]
    torch.save(out, cache); return out


def first_wrong(s, o, st):
    """Index of a trace's first step that is not the true step (None: every written step is right)."""
    truth, _ = steps_of(s, o)
    for j, x in enumerate(st):
        if j >= len(truth) or x.strip() != stxt(truth[j]): return j
    return None


def blame(lm, evalp, samples, graded, scores, steps_scores):
    """Sample by sample: where Best-of-8 by the score picks a wrong sample and majority is right, what is that
    sample's first wrong step, how many of the problem's 8 samples share it, and how sure the policy was of the
    wrong digit (its token log-prob there, and whether it was the policy's argmax)."""
    info = {}  # sample index -> (first wrong step, its text, wrong-char log-prob, written char was argmax, PRM p(good) at it)
    with torch.no_grad():
        for i, (s, o) in enumerate(evalp):
            p = prompt_ids(text(s, o)); truth, _ = steps_of(s, o)
            comps = [samples[i * 8 + k] for k in range(8)]
            lp = F.log_softmax(lm(pad([p + list(c.encode('latin1')) for c in comps])), -1)
            for k in range(8):
                n = i * 8 + k; st = graded[n][1]
                if st is None or graded[n][3]: continue
                j = first_wrong(s, o, st)
                if j is None: info[n] = (None, None, None, None, None); continue
                off = comps[k].find('<think>')
                for q in range(j + 1): off = comps[k].find(st[q].strip(), off + (0 if q == 0 else len(st[q - 1].strip())))
                w = st[j].strip(); tr = stxt(truth[j]) if j < len(truth) else ''
                c = next((x for x in range(len(w)) if x >= len(tr) or w[x] != tr[x]), len(w))  # len(w): stopped short
                tok = p + list(comps[k].encode('latin1')); t = min(len(p) + off + c, len(tok) - 1)
                lpt = lp[k, t - 1, tok[t]].item(); am = lp[k, t - 1].argmax().item() == tok[t]
                sc = steps_scores[n][j] if steps_scores[n] is not None and j < len(steps_scores[n]) - 1 else None
                info[n] = (j, w, lpt, am, sc)
    picked = []; flipped = 0
    for i in range(200):
        gs = [(graded[i * 8 + k], scores[i * 8 + k], i * 8 + k) for k in range(8)]
        best = max(gs, key=lambda t: t[1]); ans = steps_of(*evalp[i])[1]
        cnt = collections.Counter(g[2] for g, _, _ in gs if g[2] is not None)
        maj = bool(cnt) and cnt.most_common(1)[0][0] == ans
        if maj and not best[0][3]: picked.append((i, best[2]))
        if best[0][3] and not maj: flipped += 1
    def share(i, n):
        j, w = info[n][:2]
        return sum(1 for k in range(8) if i * 8 + k in info and info[i * 8 + k][:2] == (j, w))
    def summ(name, ns):
        rows = [(i, n) for i, n in ns if n in info and info[n][0] is not None]
        if not rows: print(name, "none"); return
        lps = sorted(info[n][2] for _, n in rows); scs = sorted(info[n][4] for _, n in rows if info[n][4] is not None)
        sh = collections.Counter(share(i, n) for i, n in rows); right = sum(graded[i * 8 + k][3] for i, _ in rows for k in range(8)) / len(rows)
        print(f"{name}: {len(ns)} samples, {len(ns) - len(rows)} with every written step right"
              f" | first wrong step {dict(sorted(collections.Counter(info[n][0] for _, n in rows).items()))}"
              f" | samples of the problem sharing that wrong step {dict(sorted(sh.items()))} (mean {sum(k * v for k, v in sh.items()) / len(rows):.2f}; right samples there, mean {right:.2f})"
              f" | wrong digit: policy argmax {sum(info[n][3] for _, n in rows)}/{len(rows)}, log-prob median {lps[len(lps) // 2]:.2f}"
              f" (quartiles {lps[len(lps) // 4]:.2f} {lps[3 * len(lps) // 4]:.2f})"
              + (f" | score p(good) at the wrong step median {scs[len(scs) // 2]:.3f}" if scs else ""))
    print(f"Best-of-8 wrong where majority is right: {len(picked)} problems (the reverse: {flipped})")
    summ("  the picked wrong samples", picked)
    summ("  every wrong sample", [(n // 8, n) for n in info])
    pick = {n for _, n in picked}
    summ("  the other wrong samples of those problems", [(n // 8, n) for n in info if n // 8 in {i for i, _ in picked} and n not in pick])
    # does the score trust exactly the wrong steps the policy is sure of?
    for am in (True, False):
        v = sorted(x[4] for x in info.values() if x[0] is not None and x[3] == am and x[4] is not None)
        if v: print(f"  first wrong steps whose wrong digit was {'' if am else 'not '}the policy's argmax: {len(v)}, score p(good) median {v[len(v) // 2]:.3f}")


def prm_item(args, s, o, strs, a):
    """A PRM training record for a trace of problem (s, o): step strings and answer, labelled exactly (label())."""
    lab = label(s, o, strs); clean = all(lab) and a == steps_of(s, o)[1]
    ids, pos = prm_ids(text(s, o), strs, "\\boxed{%d}" % a)
    tg = [int(l) for l in lab] + [int(clean)]
    if args.read == 'digit': pos = [q - 1 for q in pos]
    if args.labels == 'first-error' and 0 in tg[:-1]:  # PRM800K's convention: no labels after the first wrong step
        first = tg.index(0); pos, tg = pos[:first + 1], tg[:first + 1]
    if args.read == 'both':  # the same label at the step's last token too (a training-only target); scored at the separator
        pos, tg = pos + [q - 1 for q in pos], tg + tg
    return ids, pos, tg


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--errors', choices=['offsets', 'ones-digit', 'on-policy', 'mixed'], default='offsets', help="PRM data errors: the quickstart's offsets, a wrong ones digit (the policy's errors), on-policy (the SFT policy's own samples, labelled exactly), or mixed (on-policy plus --problems ones-digit problems)")
    ap.add_argument('--onpolicy-problems', type=int, default=2000, help='on-policy PRM data: fresh problems (none an eval problem)')
    ap.add_argument('--onpolicy-samples', type=int, default=8, help='on-policy PRM data: T 0.7 samples per problem')
    ap.add_argument('--onpolicy-contrast', action='store_true', help='on-policy PRM data: keep only the problems with both right and wrong samples')
    ap.add_argument('--prm-seed', type=int, default=0, help="offsets the PRM's head initialisation and batch order seeds")
    ap.add_argument('--blame', action='store_true', help='sample-by-sample summary of the problems where Best-of-8 by the score is wrong and majority right')
    ap.add_argument('--kinds', default='correct,flawed,wrong', help='traces per PRM problem')
    ap.add_argument('--problems', type=int, default=400)
    ap.add_argument('--steps', type=int, default=2000)
    ap.add_argument('--expand', type=int, default=0, help='LLaMA-Pro block expansion: identity-initialised copies of the last block')
    ap.add_argument('--freeze', action='store_true', help='train only the expanded blocks and the head')
    ap.add_argument('--labels', choices=['all', 'first-error'], default='all')
    ap.add_argument('--read', choices=['separator', 'digit', 'both'], default='separator', help='position the head reads: the separator, or the token before it; both: trained at both, scored at the separator')
    ap.add_argument('--separator', choices=['extra_0', 'newline'], default='extra_0', help='the separator token: a fresh special token, or "\\n", which the policy was trained on')
    ap.add_argument('--confidence', action='store_true', help="score by the policy's own min token log-prob instead of a PRM")
    ap.add_argument('--lp-feature', action='store_true', help="the head also reads the frozen SFT backbone's log p and p of each written token")
    ap.add_argument('--aggregate', choices=['mean+final', 'min', 'final', 'last-step'], default='mean+final', help="a trajectory's score from its step scores and final score")
    ap.add_argument('--oracle-noise', type=float, default=None, metavar='SIGMA', help='score by the true outcome (1/0) plus Gaussian noise of this std: the trajectory AUC a PRM needs for a given Best-of-N')
    ap.add_argument('--oracle-per', choices=['sample', 'text'], default='sample', help="--oracle-noise: one draw per sample, or one per distinct completion of a problem (a deterministic scorer's case)")
    ap.add_argument('--layers', type=int, default=2, help='policy depth (the PRM starts from it)')
    ap.add_argument('--sft-steps', type=int, default=1000)
    ap.add_argument('--sft-lr', type=float, default=3e-3)
    ap.add_argument('--cache', default=None, help='policy cache (default /tmp/quickstart_prm_probe_policy.pt, or ..._L{layers}_{sft-steps}.pt)')
    args = ap.parse_args()
    global SEP
    if args.separator == 'newline': SEP = 10
    torch.set_num_threads(1); torch.manual_seed(1)
    if args.cache is None:
        default = args.layers == 2 and args.sft_steps == 1000 and args.sft_lr == 3e-3
        args.cache = '/tmp/quickstart_prm_probe_policy.pt' if default else f'/tmp/quickstart_prm_probe_policy_L{args.layers}_{args.sft_steps}_{args.sft_lr}.pt'
    lm, evalp, samples = policy(args.cache, random.Random(1), args.layers, args.sft_steps, args.sft_lr)
    graded = []
    for i, (s, o) in enumerate(evalp):
        ans = steps_of(s, o)[1]
        for k in range(8):
            st, a = parse(samples[i * 8 + k]); graded.append((i, st, a, a == ans))
    print("policy pass@1", sum(g[3] for g in graded) / len(graded))
    steps_scores = [None] * len(graded)
    if args.oracle_noise is not None:
        g = torch.Generator().manual_seed(3)
        scores = [float(ok) + args.oracle_noise * torch.randn(1, generator=g).item() if a is not None else -1e9 for (i, st, a, ok) in graded]
        if args.oracle_per == 'text':  # one draw per distinct completion of a problem, as a deterministic scorer has
            first = {}
            for n, (i, st, a, ok) in enumerate(graded): scores[n] = scores[first.setdefault((i, samples[n]), n)]
    elif args.confidence:
        with torch.no_grad():
            for c in range(0, len(graded), 200):
                ch = [(prompt_ids(text(*evalp[g[0]])), list(samples[c + j].encode('latin1'))) for j, g in enumerate(graded[c:c + 200])]
                lp = F.log_softmax(lm(pad([p + q for p, q in ch])), -1)
                for j, (p, q) in enumerate(ch):
                    ids = p + q; steps_scores[c + j] = [min(lp[j, t - 1, ids[t]].item() for t in range(len(p), len(ids)))]
        scores = [x[0] for x in steps_scores]
    else:
        pr = random.Random(7)
        data = [] if args.errors == 'on-policy' else [prm_record(args, pr, *gen_problem(pr), k) for _ in range(args.problems) for k in args.kinds.split(',')]
        if args.errors in ('on-policy', 'mixed'):
            op = on_policy(args, lm, evalp); skipped = 0
            if args.onpolicy_contrast:  # only problems whose samples disagree: some right, some wrong
                okc = collections.defaultdict(set)
                for (s, o), c in op: okc[(s, tuple(o))].add(parse(c)[1] == steps_of(s, o)[1])
                op = [x for x in op if len(okc[(x[0][0], tuple(x[0][1]))]) == 2]
            for (s, o), c in op:
                st, a = parse(c)
                if st is None or a is None: skipped += 1; continue
                data.append(prm_item(args, s, o, st, a))
            tg = [t for d in data for t in d[2]]
            print(f"PRM data: {len(data)} traces ({skipped} unparsable on-policy samples skipped), {len(tg)} labels, {tg.count(0)} of them 0", flush=True)
        torch.manual_seed(2 + args.prm_seed)
        prm = PRMLP(expand(lm, args.expand), copy.deepcopy(lm)) if args.lp_feature else PRM(expand(lm, args.expand))
        if args.freeze:
            for q in list(prm.lm.emb.parameters()) + [p for b in prm.lm.blocks[:len(prm.lm.blocks) - args.expand] for p in b.parameters()]: q.requires_grad_(False)
        t0 = time.time(); train_prm(prm, data, args.steps, 2e-3, seed=1 + args.prm_seed); print("prm seconds", round(time.time() - t0))
        idx, items = [], []
        for n, (i, st, a, ok) in enumerate(graded):
            if st is None or a is None: continue
            ids, pos = prm_ids(text(*evalp[i]), st, "\\boxed{%d}" % a)
            if args.read == 'digit': pos = [q - 1 for q in pos]
            idx.append(n); items.append((ids, pos))
        for n, s_ in zip(idx, prm_score(prm, items)): steps_scores[n] = s_
        aggregate = {'mean+final': lambda v: sum(v[:-1]) / max(1, len(v) - 1) + v[-1],  # alpha 1
                     'min': min, 'final': lambda v: v[-1], 'last-step': lambda v: v[-2] if len(v) > 1 else v[-1]}[args.aggregate]
        scores = [-1e9 if s_ is None else aggregate(s_) for s_ in steps_scores]
        pos_, neg_, first = [], [], []
        for (i, st, a, ok), s_ in zip(graded, steps_scores):
            if s_ is None: continue
            lab = label(*evalp[i], st)
            for j, (l, v) in enumerate(zip(lab, s_[:-1])):
                (pos_ if l else neg_).append(v)
                if j == 0 or lab[j - 1]: first.append((v, l))
        print("step AUC", round(auc(pos_, neg_), 3), "| up to the first error", round(auc([v for v, l in first if l], [v for v, l in first if not l]), 3))
    print("trajectory AUC", round(auc([s for s, g in zip(scores, graded) if g[3]], [s for s, g in zip(scores, graded) if not g[3] and s > -1e8]), 3))
    # Best-of-N only compares a problem's own samples: the share of (right, wrong) sample pairs of the same problem
    # that the score orders correctly (ties count half), over problems with both.
    won = pairs = 0
    for i in range(200):
        gs = [(graded[i * 8 + k][3], scores[i * 8 + k]) for k in range(8)]
        for ok_r, s_r in gs:
            for ok_w, s_w in gs:
                if ok_r and not ok_w: pairs += 1; won += 1 if s_r > s_w else 0.5 if s_r == s_w else 0
    print("within-problem pair accuracy", round(won / max(1, pairs), 3), "over", pairs, "pairs")
    # A right answer is nearly always the same text (the one true chain), so a deterministic score gives a problem's
    # right samples one value between them: the same share over distinct completions of a problem.
    won = pairs = 0; nright = []
    for i in range(200):
        u = {}
        for k in range(8): u.setdefault(samples[i * 8 + k], (graded[i * 8 + k][3], scores[i * 8 + k]))
        nright += [sum(ok for ok, _ in u.values())] if any(ok for ok, _ in u.values()) else []
        for ok_r, s_r in u.values():
            for ok_w, s_w in u.values():
                if ok_r and not ok_w: pairs += 1; won += 1 if s_r > s_w else 0.5 if s_r == s_w else 0
    print("  over distinct completions", round(won / max(1, pairs), 3), "over", pairs, "pairs; distinct right completions per problem with one, mean", round(sum(nright) / len(nright), 2))
    for N in (1, 2, 4, 8):
        bon = maj = 0
        for i in range(200):
            gs = [(graded[i * 8 + k], scores[i * 8 + k]) for k in range(N)]
            bon += max(gs, key=lambda t: t[1])[0][3]
            cnt = collections.Counter(g[2] for g, _ in gs if g[2] is not None)
            maj += bool(cnt) and cnt.most_common(1)[0][0] == steps_of(*evalp[i])[1]
        print(f"N {N}: best-of-N {bon / 200:.3f}  majority {maj / 200:.3f}")
    if args.blame: blame(lm, evalp, samples, graded, scores, steps_scores)


if __name__ == '__main__':
    main()
