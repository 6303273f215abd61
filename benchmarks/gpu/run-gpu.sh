#!/usr/bin/env bash
# The prepared GPU run (no GPU was lent when it was written; see benchmarks/RESULTS.md). On a CUDA machine:
#   benchmarks/gpu/run-gpu.sh [--publish-only]
# 1. --publish-only, on the development machine: publishes PerfBench self-contained into benchmarks/gpu/bundle
#    (the GPU image has CUDA, CMake and PyTorch but no .NET); carry that folder to the GPU machine.
# 2. On the GPU machine: builds our shim against the CUDA libtorch of the PyTorch installed there (its
#    share/cmake/Torch), measures the bf16 GEMM peak (8192³, mean of 10 after 3 warm-ups), then runs PerfBench's
#    SFT step and GRPO update in bf16 on cuda:0 for the Qwen2 0.5B and 1.5B shapes (no peer: ours alone), and
#    prints tokens/s and MFU against that peak with the device name. Output: $OUT (or benchmarks/gpu/out).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
bundle="$root/benchmarks/gpu/bundle"

if [[ "${1:-}" == "--publish-only" ]]; then
  dotnet publish benchmarks/PerfBench -c Release -r linux-x64 --self-contained -p:PublishTrimmed=false -o "$bundle" -v quiet -nologo
  rm -f "$bundle"/libReasonFluxTorchNative.so  # rebuilt against CUDA libtorch on the GPU machine
  du -sh "$bundle"
  exit 0
fi

out="${OUT:-$root/benchmarks/gpu/out}"
mkdir -p "$out"
[[ -x "$bundle/PerfBench" ]] || { echo "run-gpu.sh: $bundle/PerfBench is missing: run with --publish-only on the dev machine and carry it" >&2; exit 2; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/device.txt"

torch_dir=$(python3 -c 'import os, torch; print(os.path.join(torch.utils.cmake_prefix_path, "Torch"))')
echo "libtorch: $(python3 -c 'import torch; print(torch.__version__, torch.version.cuda)')" | tee -a "$out/device.txt"
cmake -S src/ReasonFlux.Torch/native -B /tmp/rf-native-cuda -G Ninja -DCMAKE_BUILD_TYPE=Release -DTorch_DIR="$torch_dir" >"$out/cmake.log" 2>&1
cmake --build /tmp/rf-native-cuda >>"$out/cmake.log" 2>&1
cp /tmp/rf-native-cuda/libReasonFluxTorchNative.so "$bundle/"
export LD_LIBRARY_PATH="$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))'):${LD_LIBRARY_PATH:-}"

python3 - <<'PY' | tee "$out/gemm-peak.json"
import json, torch
a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16); b = torch.randn_like(a)
for _ in range(3): a @ b
torch.cuda.synchronize(); s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
s.record()
for _ in range(10): a @ b
e.record(); torch.cuda.synchronize()
print(json.dumps({"device": torch.cuda.get_device_name(), "bf16_gemm_tflops": 2 * 8192**3 * 10 / (s.elapsed_time(e) / 1e3) / 1e12}))
PY

for config in 0.5b 1.5b; do
  for kind in sft grpo; do
    "$bundle/PerfBench" cell "$kind" "$config" --peer none --device cuda:0 --dtype bfloat16 \
      --batch 8 --seq 1024 --prompt 256 --rounds 5 --iters 2 --out "$out" 2>&1 | tee -a "$out/perfbench.log"
  done
done
"$bundle/PerfBench" report --out "$out" --gemm-peak-json "$out/gemm-peak.json" --write "$out" | tee "$out/RESULTS.md"
