#!/usr/bin/env bash
# The test command: set-up, build, every test project; ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
for s in tests/data/*/setup.sh; do
  [[ -x "$s" ]] || continue
  "$s" || { echo "test data set-up failed: $s"; echo "0 passed, 1 failed"; exit 1; }
done

log=$(mktemp)
if ! dotnet build ReasonFlux.Rl.sln -c Release -nologo -v quiet 2>&1 | tee "$log" | grep -E "error|Warn" ; then :; fi
if grep -qE "Build FAILED|error [A-Z]+[0-9]+" "$log"; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test ReasonFlux.Rl.sln -c Release --no-build -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Sum the per-assembly summaries ("Passed!  - Failed: 0, Passed: 33, Skipped: 0, ...").
read -r passed failed skipped < <(grep -E "^(Passed|Failed)! +- Failed:" "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' |
  awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
if [[ $status -ne 0 && $failed -eq 0 ]]; then failed=1; fi  # a crashed test host counts as a failure
echo "$passed passed, $failed failed, $skipped skipped"
exit $(( failed > 0 ? 1 : 0 ))
