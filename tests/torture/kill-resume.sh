#!/usr/bin/env bash
# Kill-anywhere torture test: SIGKILLs `reasonflux train --resume auto` at N random moments of a small
# data → sft → prm → grpo pipeline on builtin:tiny, resuming after each kill, and checks that the result equals an
# uninterrupted run.
#   tests/torture/kill-resume.sh N            (N = 20 for the Done-when run; CI runs a short N)
# About a third of the kills are aimed at checkpoint writes: the script watches for a step-N.tmp folder and kills
# the moment one appears (what the kill actually hit is counted from what it left behind).
# Checks at the end:
#   - every stage's output/model.safetensors has the sha256 of the uninterrupted run's;
#   - every metrics.jsonl has each logged step exactly once, none missing, and the same values (sha256 of the
#     rows without wall-clock, memory and throughput keys) as the uninterrupted run's;
#   - no attempt resumed from a half-written checkpoint: every "resuming from" line in run.log names a folder
#     whose manifest verified (the CLI refuses others), and no step-N.tmp is left once the run completes.
# Exit 0 when all hold. Figures go to stdout and $RF_TORTURE_WORK/summary.txt.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$PWD
kills_wanted=${1:-20}
[[ "$kills_wanted" =~ ^[0-9]+$ ]] || { echo "usage: tests/torture/kill-resume.sh N" >&2; exit 2; }
work=${RF_TORTURE_WORK:-$(mktemp -d /tmp/rf-torture.XXXXXX)}
mkdir -p "$work"
cli="$root/src/ReasonFlux.Cli/bin/Release/net10.0/reasonflux"
if [[ ! -x "$cli" || -n "${RF_TORTURE_BUILD:-}" ]]; then
  nice dotnet build src/ReasonFlux.Cli -c Release -nologo -v quiet || exit 2
fi
steps_sft=${RF_TORTURE_SFT_STEPS:-40}
steps_prm=${RF_TORTURE_PRM_STEPS:-16}
steps_grpo=${RF_TORTURE_GRPO_STEPS:-8}

write_recipe() { # $1 = output dir
  cat > "$1/torture.yaml" <<EOF
run_name: torture
output_dir: "$1/runs"
stages:
  - kind: data
    seed: 3
    problems: { min_operations: 1, max_operations: 2, min_operand: 1, max_operand: 9, max_value: 99 }
    sizes: { sft: 200, grpo: 32, eval: 8, pool: 24, prm: 64, pool_correct_fraction: 0.5 }
  - kind: sft
    model: { path: builtin:tiny, dtype: float32, gradient_checkpointing: false }
    data: { train: "\${stages.data.output}/sft.jsonl", max_seq_len: 128 }
    optimizer: { lr: 3.0e-3, schedule: cosine, warmup_steps: 3 }
    training: { steps: $steps_sft, micro_batch_size: 4, grad_accumulation: 2, seed: 1 }
    checkpoint: { save_every: 2, keep_last: 2 }
    logging: { log_every: 1, tensorboard: false, progress: plain }
  - kind: prm
    model: { path: "\${stages.sft.output}", dtype: float32, gradient_checkpointing: false }
    head: two-class
    data: { train: "\${stages.data.output}/prm.jsonl", max_seq_len: 128 }
    optimizer: { lr: 1.0e-3 }
    training: { steps: $steps_prm, micro_batch_size: 4, seed: 1 }
    checkpoint: { save_every: 2, keep_last: 2 }
    logging: { log_every: 1, tensorboard: false, progress: plain }
  - kind: grpo
    model: { path: "\${stages.sft.output}", dtype: float32, gradient_checkpointing: false }
    data: { train: "\${stages.data.output}/grpo.jsonl", max_prompt_tokens: 96 }
    rollout: { group_size: 4, prompts_per_step: 2, max_new_tokens: 24, temperature: 1.0 }
    reward: { outcome_weight: 1.0, process_weight: 0.0, outcome: strict-boxed }
    optimizer: { lr: 1.0e-4 }
    training: { steps: $steps_grpo, micro_batch_size: 8, seed: 1 }
    checkpoint: { save_every: 1, keep_last: 2 }
    logging: { log_every: 1, tensorboard: false, progress: plain }
EOF
}

# Rows of a metrics file without the keys that measure the machine rather than the training.
metrics_digest() {
  python3 - "$1" <<'EOF'
import json, sys, hashlib
rows = []
for line in open(sys.argv[1]):
    if not line.strip():
        continue
    o = json.loads(line)
    o = {k: v for k, v in o.items() if k != "time" and not k.startswith(("time/", "perf/", "memory/", "mem/", "system/"))}
    rows.append(json.dumps(o, sort_keys=True))
print(hashlib.sha256("\n".join(rows).encode()).hexdigest())
EOF
}

# Every logged step exactly once, and none missing between the first and the last.
metrics_steps_ok() {
  python3 - "$1" <<'EOF'
import json, sys
steps = [json.loads(l)["step"] for l in open(sys.argv[1]) if l.strip()]
dup = sorted({s for s in steps if steps.count(s) > 1})
missing = sorted(set(range(steps[0], steps[-1] + 1)) - set(steps)) if steps else []
if dup or missing or steps != sorted(steps):
    print(f"{sys.argv[1]}: duplicate steps {dup}, missing steps {missing}")
    sys.exit(1)
EOF
}

stage_dirs() { find "$1/runs/torture" -mindepth 1 -maxdepth 1 -type d | sort; }

echo "== uninterrupted reference run ($work/ref)"
mkdir -p "$work/ref"
write_recipe "$work/ref"
start=$(date +%s.%N)
(cd "$work/ref" && nice "$cli" train torture.yaml) > "$work/ref.log" 2>&1 || { echo "reference run failed:"; tail -20 "$work/ref.log"; exit 1; }
ref_seconds=$(python3 -c "import time; print(round(time.time() - $start, 1))")
echo "reference run: ${ref_seconds}s"

echo "== $kills_wanted kills ($work/kill)"
# Spread the kills over the run: each attempt is killed a random time after it starts training (its first new metrics
# row), up to max_delay (an aimed kill waits up to twice that). Each attempt resumes from the last checkpoint, so
# after k < N kills at most 2k·max_delay of the run is done; max_delay = reference / (2N + 1) leaves more than an
# aimed delay of work for every later kill.
max_delay=$(python3 -c "print(max(0.5, $ref_seconds / (2 * max(1, $kills_wanted) + 1)))")
RANDOM=${RF_TORTURE_SEED:-12345}
runlog="$work/kill/runs/torture/run.log"
metric_rows() { cat "$work"/kill/runs/torture/*/metrics.jsonl 2>/dev/null | wc -l; }
fresh_tmp() { find "$work/kill/runs/torture" -maxdepth 2 -name 'step-*.tmp' -newer "$work/attempt-start" 2>/dev/null | head -1; }
# The reference time includes start-up and model loading, so on a quiet machine a resumed attempt can still finish
# before the N-th kill: then the kill phase starts over in a fresh folder with half the delay (at most 4 tries), so
# the run that is checked took all N kills.
for try in 1 2 3 4; do
  rm -rf "$work/kill" && mkdir -p "$work/kill"
  write_recipe "$work/kill"
  kills=0 in_write=0 attempts=0 completed=0
  while (( kills < kills_wanted )); do
    attempts=$((attempts + 1))
    rows=$(metric_rows)
    touch "$work/attempt-start"
    (cd "$work/kill" && exec nice "$cli" train torture.yaml --resume auto) >> "$work/kill.log" 2>&1 &
    pid=$!
    # Wait until this attempt trains (a new metrics row) or 60 s pass, so no kill is spent on start-up and loading.
    for _ in $(seq 600); do
      (( $(metric_rows) > rows )) && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    aimed=$(( RANDOM % 3 == 0 ))
    if (( aimed )); then
      # Kill as soon as a checkpoint write starts (a step-N.tmp folder appears), or after 2x the usual delay.
      deadline=$(python3 -c "import time; print(time.time() + 2 * $max_delay)")
      while kill -0 "$pid" 2>/dev/null; do
        [[ -n "$(fresh_tmp)" ]] && break
        (( $(python3 -c "import time; print(int(time.time() > $deadline))") )) && break
        sleep 0.01
      done
    else
      sleep "$(python3 -c "import random; random.seed($RANDOM); print(round(random.uniform(0.0, $max_delay), 3))")"
    fi
    if kill -KILL "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null
      kills=$((kills + 1))
      where=""
      if [[ -n "$(fresh_tmp)" ]]; then in_write=$((in_write + 1)); where=", inside a checkpoint write"; fi
      echo "kill $kills (attempt $attempts$( (( aimed )) && echo ", aimed at a checkpoint write")$where; metrics rows so far: $(metric_rows))"
    else
      wait "$pid"; rc=$?
      if [[ $rc -ne 0 ]]; then echo "attempt $attempts exited $rc without being killed:"; tail -20 "$work/kill.log"; exit 1; fi
      completed=1
      echo "the run completed after $kills kills"
      break
    fi
  done
  (( kills >= kills_wanted || try == 4 )) && break
  max_delay=$(python3 -c "print(round($max_delay / 2, 3))")
  echo "fewer kills than asked ($kills of $kills_wanted): starting the kill phase over with max delay ${max_delay}s"
done
if (( ! completed )); then
  (cd "$work/kill" && nice "$cli" train torture.yaml --resume auto) >> "$work/kill.log" 2>&1 || { echo "final resume failed:"; tail -20 "$work/kill.log"; exit 1; }
fi

echo "== checks"
failed=0
for ref_stage in $(stage_dirs "$work/ref"); do
  name=$(basename "$ref_stage")
  kill_stage="$work/kill/runs/torture/$name"
  [[ -f "$kill_stage/COMPLETE" ]] || { echo "$name: not COMPLETE after the kills"; failed=1; continue; }
  if [[ -f "$ref_stage/output/model.safetensors" ]]; then
    a=$(sha256sum < "$ref_stage/output/model.safetensors" | cut -c1-64)
    b=$(sha256sum < "$kill_stage/output/model.safetensors" | cut -c1-64)
    if [[ "$a" == "$b" ]]; then echo "$name: weights identical ($a)"; else echo "$name: weights DIFFER ($a vs $b)"; failed=1; fi
  fi
  if [[ -f "$ref_stage/metrics.jsonl" ]]; then
    metrics_steps_ok "$kill_stage/metrics.jsonl" || failed=1
    a=$(metrics_digest "$ref_stage/metrics.jsonl"); b=$(metrics_digest "$kill_stage/metrics.jsonl")
    if [[ "$a" == "$b" ]]; then echo "$name: metrics identical"; else echo "$name: metrics DIFFER"; failed=1; fi
  fi
  if compgen -G "$kill_stage/step-*.tmp" >/dev/null; then echo "$name: a step-N.tmp folder was left behind"; failed=1; fi
done
if grep -qiE "corrupt|sha256 mismatch|TorchException|Unhandled" "$work/kill.log"; then
  echo "run.log of the killed run mentions:"; grep -iE "corrupt|sha256 mismatch|TorchException|Unhandled" "$work/kill.log" | sort | uniq -c | head
fi
resumed=$(grep -cE ": steps [0-9]+\.\." "$runlog" 2>/dev/null || true) # a stage resumed from a checkpoint logs "sft: steps A..B"
summary="kills: $kills of $kills_wanted wanted ($in_write inside a checkpoint write), attempts: $attempts (+1 to finish), stages resumed from a checkpoint: ${resumed:-0}, reference run ${ref_seconds}s, result: $( ((failed)) && echo FAILED || echo identical)"
echo "$summary" | tee "$work/summary.txt"
(( kills >= kills_wanted )) || { echo "fewer kills than asked: raise RF_TORTURE_SFT_STEPS"; failed=1; }
exit $failed
