#!/usr/bin/env bash
# The quickstart's longer variant over 3 seeds (README, "Quickstart results"): the same recipe with larger budgets,
# every seed of data, training and sampling set to S, then the mean ± std (sample std, n - 1) of report.json's
# numbers over the seeds, written to checkpoints/quickstart-seeds.md. Extra arguments go to every run (--set ...).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
dotnet build src/ReasonFlux.Cli -c Release -nologo -v quiet
reasonflux=(dotnet src/ReasonFlux.Cli/bin/Release/net10.0/reasonflux.dll)
seeds=(${SEEDS:-1 2 3})
longer=(
  --set sft.training.steps=1500 --set prm.training.steps=3000
  --set sft_topk.training.steps=150 --set sft_random.training.steps=150
  --set grpo.training.steps=80 --set grpo_prm.training.steps=80
  --set data.sizes.eval=200
)
reports=()
for s in "${seeds[@]}"; do
  run=quickstart-long-$s
  seeded=(--set run_name=$run --set data.seed=$s --set sft.training.seed=$s --set prm.training.seed=$s
    --set select_random.seed=$s --set sft_topk.training.seed=$s --set sft_random.training.seed=$s
    --set grpo.training.seed=$s --set grpo_prm.training.seed=$s)
  for e in eval_sft eval_sft_topk eval_sft_random eval_grpo eval_grpo_prm; do seeded+=(--set $e.seed=$s); done
  resume=(); [[ -f checkpoints/$run/recipe.yaml ]] && resume=(--resume auto)
  "${reasonflux[@]}" train recipes/quickstart.yaml "${longer[@]}" "${seeded[@]}" "${resume[@]}" "$@"
  reports+=(checkpoints/$run/report/output/report.json)
done
node - "${reports[@]}" > checkpoints/quickstart-seeds.md <<'JS'
const fs = require("fs");
const reports = process.argv.slice(2).map(f => JSON.parse(fs.readFileSync(f, "utf8")));
const rows = [
  ["SFT pass@1", r => r.sft["pass@1"]],
  ["SFT + PRM top-K pass@1", r => r.select.prm_topk["pass@1"]],
  ["SFT + random K pass@1", r => r.select.random["pass@1"]],
  ["GRPO outcome pass@1", r => r.grpo.outcome["pass@1"]],
  ["GRPO outcome + PRM pass@1", r => r.grpo.outcome_prm["pass@1"]],
  ...reports[0].bon.n.flatMap((n, i) => [[`Best-of-${n} by PRM`, r => r.bon.prm[i]], [`majority@${n}`, r => r.bon.majority[i]]]),
];
const pct = v => (100 * v).toFixed(1);
console.log(`| metric (${reports.length} seeds) | mean ± std (%) | per seed (%) |\n|---|---|---|`);
for (const [name, get] of rows) {
  const v = reports.map(get), m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  console.log(`| ${name} | ${pct(m)} ± ${pct(sd)} | ${v.map(pct).join(", ")} |`);
}
const secs = reports.map(r => r.seconds);
console.log(`\nwall seconds per run: ${secs.join(", ")}; load average at the end: ${reports.map(r => r.load_average.join("/")).join(", ")}`);
JS
cat checkpoints/quickstart-seeds.md
