#!/usr/bin/env bash
# Runs every benchmark and writes benchmarks/RESULTS.md and benchmarks/results.json.
#   benchmarks/run.sh [--quick] [--torchsharp] [--configs 25m,125m] [--threads 2]
# Each PerfBench cell is a fresh pair of processes (ours and the PyTorch-eager peer on Debian's python3-torch),
# interleaved round by round, so every figure has its own peak memory. --quick: fewer rounds, shorter sequences,
# 25m only; the full run is sized to finish in under 20 minutes on 2 idle cores. --torchsharp adds TorchSharp 0.107
# (libtorch 2.10, restored from NuGet, native library patched in its own build output) as a second peer for the
# SFT step and rollout.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

quick=0
torchsharp=0
configs=""
threads=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --torchsharp) torchsharp=1 ;;
    --configs) configs="$2"; shift ;;
    --threads) threads="$2"; shift ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "run.sh: the eager peer needs Debian's python3-torch (apt-get install python3-torch)" >&2
  exit 2
fi

export OMP_WAIT_POLICY=PASSIVE
out="$root/benchmarks/out"
rm -rf "$out/cells"
mkdir -p "$out/cells"
start=$(date +%s)

echo "== build (Release)"
dotnet build benchmarks/PerfBench -c Release -v quiet -nologo
dotnet build benchmarks/TorchBench -c Release -v quiet -nologo
bench="$root/benchmarks/PerfBench/bin/Release/net10.0/PerfBench"
if [[ $torchsharp == 1 ]]; then
  dotnet build benchmarks/TorchSharpPeer -c Release -v quiet -nologo
  benchmarks/TorchSharpPeer/patch-libtorchsharp.sh
fi

echo "== TorchBench (binding overhead, fp32 GEMM peak for MFU)"
if [[ $quick == 1 ]]; then
  dotnet benchmarks/TorchBench/bin/Release/net10.0/TorchBench.dll --threads "$threads" --rounds 2
else
  dotnet benchmarks/TorchBench/bin/Release/net10.0/TorchBench.dll --threads "$threads" --rounds 3
fi

if [[ $quick == 1 ]]; then
  configs=${configs:-25m}
  rounds=3; train="--batch 2 --seq 128 --prompt 32"; prm="--batch 8 --seq 128 --items 16"; roll_new=8; batches="1 16"
else
  configs=${configs:-25m,125m}
  rounds=5; train="--batch 4 --seq 256 --prompt 64"; prm="--batch 8 --seq 256 --items 32"; roll_new=32; batches="1 16 64"
fi

for config in ${configs//,/ }; do
  for kind in sft grpo; do
    echo "== $kind $config"
    "$bench" cell "$kind" "$config" $train --rounds "$rounds" --threads "$threads" --out "$out"
  done
  echo "== prm $config"
  "$bench" cell prm "$config" $prm --rounds "$rounds" --threads "$threads" --out "$out"
  for b in $batches; do
    # A batch-1 prefill is one 25-200 ms sample per round, which one stalled time slice can halve: three times the
    # rounds there (about 40 s more in the full run) so its median stands on more than five samples.
    r=$rounds; [[ $b == 1 ]] && r=$((rounds * 3))
    echo "== rollout $config batch $b"
    "$bench" cell rollout "$config" --batch "$b" --prompt 64 --new "$roll_new" --rounds "$r" --threads "$threads" --out "$out"
  done
  if [[ $torchsharp == 1 ]]; then
    echo "== sft $config vs TorchSharp"
    "$bench" cell sft "$config" --peer torchsharp $train --rounds "$rounds" --threads "$threads" --out "$out"
    echo "== rollout $config batch 16 vs TorchSharp"
    "$bench" cell rollout "$config" --peer torchsharp --batch 16 --prompt 64 --new "$roll_new" --rounds "$rounds" --threads "$threads" --out "$out"
  fi
done

"$bench" report --out "$out"
echo "== done in $(( $(date +%s) - start )) s: benchmarks/RESULTS.md, benchmarks/results.json"
