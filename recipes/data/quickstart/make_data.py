#!/usr/bin/env python3
"""Writes the quickstart data (sft.jsonl, prompts.jsonl, eval.jsonl) next to this file; deterministic.

The task is two-digit addition without carries, "What is 23 + 45? Put the final answer in \\boxed{}.": both
numbers in 10..99, each digit column summing to at most 9 (1980 problems). Each answer digit is one of 55
single-digit sums that every training split shows hundreds of times, so a model that learns column-wise
addition gets the held-out problems right; one that only memorises lines gets them wrong. builtin:tiny
(2 layers, hidden 64, one token per byte) gets part of the way in a minute of SFT on a CPU, which leaves GRPO
something to improve.

  eval.jsonl     100 held-out problems (no stage trains on them)
  prompts.jsonl  512 training problems with their answers: the GRPO prompts
  sft.jsonl      the other 1368 training problems with a worked completion ("23 + 45 = 68.\\n\\n\\boxed{68}")

Every stage renders prompts with chat_template.jinja (next to this file): builtin:tiny's ChatML plus, when a
conversation has no system turn, the eval stage's default math system prompt. So SFT examples, GRPO rollouts (a
bare user turn) and eval prompts (that system turn) are the same text; a model this small does not carry what it
learned in one prompt layout over to another.

Regenerate with: python3 recipes/data/quickstart/make_data.py
"""
import json
import pathlib
import random

EVAL_PROBLEMS = 100
GRPO_PROMPTS = 512
SEED = 20251122


def no_carry(a, b):
    return a // 10 + b // 10 <= 9 and a % 10 + b % 10 <= 9


def problem(a, b):
    return f"What is {a} + {b}? Put the final answer in \\boxed{{}}."


def completion(a, b):
    return f"{a} + {b} = {a + b}.\n\n\\boxed{{{a + b}}}"


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main():
    out = pathlib.Path(__file__).resolve().parent
    pairs = [(a, b) for a in range(10, 100) for b in range(10, 100) if no_carry(a, b)]
    random.Random(SEED).shuffle(pairs)
    held_out = pairs[:EVAL_PROBLEMS]
    grpo = pairs[EVAL_PROBLEMS:EVAL_PROBLEMS + GRPO_PROMPTS]
    sft_pairs = pairs[EVAL_PROBLEMS + GRPO_PROMPTS:]

    write_jsonl(out / "eval.jsonl", [
        {"id": f"eval-{i}", "problem": problem(a, b), "answer": str(a + b)} for i, (a, b) in enumerate(held_out)])
    write_jsonl(out / "prompts.jsonl", [
        {"id": f"train-{i}", "problem": problem(a, b), "answer": str(a + b)} for i, (a, b) in enumerate(grpo)])
    sft = [{"prompt": problem(a, b), "completion": completion(a, b)} for a, b in sft_pairs]
    write_jsonl(out / "sft.jsonl", sft)
    print(f"wrote {len(held_out)} eval, {len(grpo)} grpo prompts, {len(sft)} sft lines to {out}")


if __name__ == "__main__":
    main()
