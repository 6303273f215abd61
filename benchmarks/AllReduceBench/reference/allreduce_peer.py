#!/usr/bin/python3
"""AllReduceBench peer: the same bucketed gradient all-reduce on PyTorch's torch.distributed Gloo.

  allreduce_peer.py RANK WORLD PORT SHAPES_JSON ITERS BUCKET_BYTES
Flattens the gradients into buckets of at most BUCKET_BYTES (as DDP's bucket_cap_mb and our DataParallel do),
all-reduces each, copies the sums back; rank 0 prints {"seconds": median step time}.
"""
import json
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
from torch._utils import _flatten_dense_tensors, _unflatten_dense_tensors  # noqa: E402


def buckets(grads, cap):
    out, cur, size = [], [], 0
    for g in grads:
        b = g.numel() * g.element_size()
        if cur and size + b > cap:
            out.append(cur)
            cur, size = [], 0
        cur.append(g)
        size += b
    if cur:
        out.append(cur)
    return out


def step(groups):
    for group in groups:
        flat = _flatten_dense_tensors(group)
        dist.all_reduce(flat)
        for g, s in zip(group, _unflatten_dense_tensors(flat, group)):
            g.copy_(s)


def main():
    rank, world, port = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    shapes = json.load(open(sys.argv[4]))
    iters, cap = int(sys.argv[5]), int(sys.argv[6])
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    gen = torch.Generator().manual_seed(rank + 1)
    grads = [torch.randn(s, generator=gen) for s in shapes]
    groups = buckets(grads, cap)
    step(groups)  # warm-up
    times = []
    for _ in range(iters):
        dist.barrier()
        t = time.perf_counter()
        step(groups)
        times.append(time.perf_counter() - t)
    times.sort()
    if rank == 0:
        print(json.dumps({"seconds": times[len(times) // 2]}), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
