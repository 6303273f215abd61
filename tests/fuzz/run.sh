#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser that reads outside data (SharpFuzz + libFuzzer).
#   tests/fuzz/run.sh [SECONDS-PER-TARGET] [TARGET...]     default 60 s each, every harness
# Builds tests/fuzz/ReasonFlux.Fuzz, instruments the ReasonFlux assemblies with SharpFuzz, builds the libFuzzer
# driver (tests/fuzz/driver) with clang, then runs each harness for SECONDS on its seed corpus (tests/fuzz/corpus,
# plus seeds generated from code and taken from tests/data). Exits 0 when no harness crashed, hung (10 s per input)
# or ran out of its 1 GiB heap; otherwise 1, with the inputs under $RF_FUZZ_WORK/artifacts/TARGET/.
# A found input goes into tests/fuzz/regressions/TARGET/ with its fix: ReasonFlux.Fuzz.Tests replays those in CI.
# Figures (executions, new corpus inputs) are printed and written to $RF_FUZZ_WORK/summary.md.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$PWD
seconds=${1:-60}
shift || true
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "usage: tests/fuzz/run.sh [SECONDS-PER-TARGET] [TARGET...]" >&2; exit 2; }
work=${RF_FUZZ_WORK:-$root/tests/fuzz/.work}
mkdir -p "$work"

clang=$(command -v clang-14 || command -v clang || true)
fuzzer_lib=$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null | head -1)
if [[ -z "$clang" || -z "$fuzzer_lib" ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "installing clang and libFuzzer (clang-14 libclang-rt-14-dev)"
    apt-get install -y -q clang-14 libclang-rt-14-dev >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q clang-14 libclang-rt-14-dev >/dev/null; }
    clang=$(command -v clang-14 || command -v clang || true)
  fi
  [[ -n "$clang" ]] || { echo "tests/fuzz/run.sh: needs clang with libFuzzer: apt-get install clang-14 libclang-rt-14-dev" >&2; exit 2; }
fi

echo "== build"
"$clang" -fsanitize=fuzzer -O1 tests/fuzz/driver/libfuzzer-dotnet.c -o "$work/libfuzzer-dotnet" || exit 2
dotnet build tests/fuzz/ReasonFlux.Fuzz -c Release -nologo -v quiet -o "$work/bin" || exit 2
dotnet tool restore >/dev/null || exit 2
# Instrument a fresh copy each time (SharpFuzz refuses an assembly it has already instrumented).
rm -rf "$work/instrumented" && cp -r "$work/bin" "$work/instrumented"
for dll in "$work"/instrumented/ReasonFlux.*.dll; do
  case "$(basename "$dll")" in ReasonFlux.Fuzz.dll|ReasonFlux.Torch.dll) continue ;; esac
  dotnet tool run sharpfuzz "$dll" >/dev/null || { echo "sharpfuzz failed on $dll" >&2; exit 2; }
done
harness="$work/instrumented/ReasonFlux.Fuzz"
plain="$work/bin/ReasonFlux.Fuzz" # instrumented code only runs under the driver (its coverage map is unmapped elsewhere)

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then mapfile -t targets < <("$plain" list); fi

echo "== seeds"
generated="$work/generated-seeds"
rm -rf "$generated" && "$plain" seeds "$generated" || exit 2
mkdir -p "$generated/chat-template" "$generated/model-config" "$generated/safetensors" "$generated/jsonl" "$generated/tokenizer-encode"
cp tests/data/tokenizers/templates/*.jinja recipes/data/quickstart/chat_template.jinja "$generated/chat-template/" 2>/dev/null
for d in tests/data/models/*/; do [[ -f "$d/config.json" ]] && cp "$d/config.json" "$generated/model-config/$(basename "$d").json"; done
cp recipes/*.yaml "$generated/recipe/" 2>/dev/null
head -c 4000 tests/data/sft-addition/sft.jsonl > "$generated/jsonl/sft-head.jsonl" 2>/dev/null
head -c 2000 tests/data/sft-addition/sft.jsonl > "$generated/tokenizer-encode/sft-head.txt" 2>/dev/null

summary="$work/summary.md"
{
  echo "| target | seconds | executions | exec/s | corpus inputs | result |"
  echo "|---|---:|---:|---:|---:|---|"
} > "$summary"
failed=0
for t in "${targets[@]}"; do
  corpus="$work/corpus/$t"
  artifacts="$work/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  seeds=()
  for s in "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t" "$generated/$t"; do [[ -d "$s" ]] && seeds+=("$s"); done
  echo "== $t (${seconds}s)"
  log="$work/$t.log"
  # The heap cap makes an unbounded allocation an OutOfMemoryException (a reported crash) instead of a swapping machine.
  RF_FUZZ_HARNESS="$harness" RF_FUZZ_TARGET="$t" DOTNET_GCHeapHardLimit=0x40000000 DOTNET_TieredPGO=0 \
    nice "$work/libfuzzer-dotnet" -max_total_time="$seconds" -timeout=10 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "$corpus" "${seeds[@]}" > "$log" 2>&1
  rc=$?
  execs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$log" | grep -oE "[0-9]+$" | tail -1)
  rate=$(grep -oE "stat::average_exec_per_sec: *[0-9]+" "$log" | grep -oE "[0-9]+$" | tail -1)
  inputs=$(find "$corpus" -type f | wc -l)
  found=$(find "$artifacts" -type f | wc -l)
  if [[ $rc -ne 0 || $found -gt 0 ]]; then
    result="FAILED (exit $rc, $found input(s) in $artifacts)"
    failed=1
    grep -E "Unhandled|Exception|ERROR|ALARM|died|deadly|timeout" "$log" | head -20
  else
    result="ok"
  fi
  echo "$t: ${execs:-0} executions (${rate:-0}/s), $inputs corpus inputs: $result"
  echo "| $t | $seconds | ${execs:-0} | ${rate:-0} | $inputs | $result |" >> "$summary"
done
echo "== summary ($summary)"
cat "$summary"
exit $failed
