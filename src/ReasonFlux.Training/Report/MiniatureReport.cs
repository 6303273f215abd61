using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ReasonFlux.Recipes.Options;

namespace ReasonFlux.Training.Report;

/// <summary>The eval summaries and selections a report stage points at, read from disk.</summary>
public sealed record ReportInputs(
    EvalSummaryFile? Sft, EvalSummaryFile? SelectPrmTopk, EvalSummaryFile? SelectRandom,
    EvalSummaryFile? GrpoOutcome, EvalSummaryFile? GrpoOutcomePrm, EvalSummaryFile? BestOfN,
    IReadOnlyList<(string Name, IReadOnlyDictionary<string, int> Qualities)> Selections)
{
    public static ReportInputs Read(ReportOptions o)
    {
        static EvalSummaryFile? Eval(string? dir) => dir is null ? null : EvalSummaryFile.Read(dir);
        var selections = o.Selections.Select(s => (StageNameOf(s), SelectionQuality.Count(s))).ToList();
        return new ReportInputs(Eval(o.Sft), Eval(o.SelectPrmTopk), Eval(o.SelectRandom), Eval(o.GrpoOutcome), Eval(o.GrpoOutcomePrm), Eval(o.BestOfN), selections);
    }

    /// <summary>"…/RUN/NAME/output" → NAME.</summary>
    public static string StageNameOf(string outputDirectory) =>
        Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(outputDirectory).TrimEnd('/', '\\'))) ?? outputDirectory;
}

/// <summary>
/// A miniature of the paper's Table 2 (SFT on the PRM's top-K against a random K), Table 3 (GRPO with the rule reward
/// against rule + PRM) and Figure 5 (Best-of-N by PRM against majority voting), beside the SFT baseline, as
/// report.json (accuracies as fractions) and report.md. Numbers are copied from the eval summaries, never computed
/// anew, so the report and the eval folders agree.
/// </summary>
public static class MiniatureReport
{
    public const string JsonFileName = "report.json", MarkdownFileName = "report.md";

    /// <param name="cpuSeconds">CPU time of this process (all threads) so far: the work done, whatever the machine's load.</param>
    public static JsonObject Json(ReportInputs r, double seconds, IReadOnlyList<(string Stage, double Seconds)> stageSeconds, double cpuSeconds, double[] loadAverage)
    {
        var json = new JsonObject();
        if (r.Sft is { } sft) json["sft"] = sft.ToJson();
        if (r.SelectPrmTopk is not null || r.SelectRandom is not null || r.Selections.Count > 0)
        {
            var select = new JsonObject();
            if (r.SelectPrmTopk is { } top) select["prm_topk"] = top.ToJson();
            if (r.SelectRandom is { } random) select["random"] = random.ToJson();
            if (r.Selections.Count > 0)
                select["kept_quality"] = new JsonObject(r.Selections.Select(s => KeyValuePair.Create(s.Name,
                    (JsonNode?)new JsonObject(s.Qualities.Select(q => KeyValuePair.Create(q.Key, (JsonNode?)q.Value))))));
            json["select"] = select;
        }
        if (r.GrpoOutcome is not null || r.GrpoOutcomePrm is not null)
        {
            var grpo = new JsonObject();
            if (r.GrpoOutcome is { } outcome) grpo["outcome"] = outcome.ToJson();
            if (r.GrpoOutcomePrm is { } prm) grpo["outcome_prm"] = prm.ToJson();
            json["grpo"] = grpo;
        }
        if (r.BestOfN is { } bon)
        {
            var ns = BestOfNSizes(bon);
            json["bon"] = new JsonObject
            {
                ["n"] = new JsonArray(ns.Select(n => (JsonNode?)n).ToArray()),
                ["prm"] = new JsonArray(ns.Select(n => (JsonNode?)Math.Round(bon.Metric($"bon@{n}"), 6)).ToArray()),
                ["majority"] = new JsonArray(ns.Select(n => (JsonNode?)Math.Round(bon.Metric($"maj@{n}"), 6)).ToArray()),
                ["problems"] = bon.Problems,
            };
        }
        var checks = Checks(r, json);
        if (checks.Count > 0)
            json["checks"] = new JsonObject(checks.Select(k => KeyValuePair.Create(k.Claim, (JsonNode?)k.Holds)));
        json["seconds"] = Math.Round(seconds, 1);
        json["stage_seconds"] = new JsonObject(stageSeconds.Select(s => KeyValuePair.Create(s.Stage, (JsonNode?)Math.Round(s.Seconds, 1))));
        json["cpu_seconds"] = Math.Round(cpuSeconds, 1);
        json["load_average"] = new JsonArray(loadAverage.Select(l => (JsonNode?)l).ToArray());
        return json;
    }

    /// <summary>The N of Best-of-N that the summary holds (its bon@N metrics), ascending.</summary>
    public static IReadOnlyList<int> BestOfNSizes(EvalSummaryFile bon)
    {
        var ns = bon.Metrics.Keys.Where(k => k.StartsWith("bon@", StringComparison.Ordinal))
            .Select(k => int.Parse(k[4..], CultureInfo.InvariantCulture)).Order().ToList();
        if (ns.Count == 0) throw new InvalidDataException($"{bon.Path}: no bon@N metrics; the best_of_n key must name an eval stage with best_of_n > 1 and a PRM");
        return ns;
    }

    /// <summary>
    /// The comparisons the run is meant to show, each with whether this run's numbers bear it out. Ties count as
    /// holding for "at least as good" claims only.
    /// </summary>
    public static IReadOnlyList<(string Claim, bool Holds, string Detail)> Checks(ReportInputs r, JsonObject json)
    {
        var c = CultureInfo.InvariantCulture;
        string P(double v) => (100 * v).ToString("0.0", c) + " %";
        var checks = new List<(string, bool, string)>();
        if (r.Sft is { } sft && r.GrpoOutcomePrm is { } gp)
            checks.Add(("GRPO with outcome + PRM rewards beats SFT on pass@1", gp.Metric("pass@1") > sft.Metric("pass@1"), $"{P(gp.Metric("pass@1"))} vs {P(sft.Metric("pass@1"))}"));
        if (r.GrpoOutcome is { } go && r.GrpoOutcomePrm is { } gp2)
            checks.Add(("GRPO with outcome + PRM is at least as good as outcome alone", gp2.Metric("pass@1") >= go.Metric("pass@1"), $"{P(gp2.Metric("pass@1"))} vs {P(go.Metric("pass@1"))}"));
        if (r.SelectPrmTopk is { } top && r.SelectRandom is { } random)
            checks.Add(("SFT on the PRM's top-K is at least as good as on a random K", top.Metric("pass@1") >= random.Metric("pass@1"), $"{P(top.Metric("pass@1"))} vs {P(random.Metric("pass@1"))}"));
        if (json["bon"] is JsonObject bon)
        {
            int last = bon["n"]!.AsArray().Count - 1;
            double prm = (double)bon["prm"]![last]!, maj = (double)bon["majority"]![last]!;
            checks.Add(($"Best-of-{bon["n"]![last]} by PRM is at least as good as majority voting", prm >= maj, $"{P(prm)} vs {P(maj)}"));
        }
        return checks;
    }

    public static string Markdown(string title, ReportInputs r, JsonObject json, IReadOnlyList<string> curveFiles, string? bestOfNFigure)
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.Append(c, $"# {title}\n\n");
        md.Append("Accuracies are on the held-out problems, averaged over every sample (pass@1) or over problems (maj@k, Best-of-N).\n\n");
        string P(double v) => (100 * v).ToString("0.0", c) + " %";
        void Row(string name, EvalSummaryFile? e)
        {
            if (e is null) return;
            int k = e.SamplesPerProblem;
            md.Append(c, $"| {name} | {P(e.Metric("pass@1"))} | {(e.Metrics.TryGetValue($"maj@{k}", out var maj) ? P(maj) : "–")} | {(e.Metrics.TryGetValue($"pass@{k}", out var pk) ? P(pk) : "–")} | {e.Problems} × {k} |\n");
        }
        void Header(string caption)
        {
            md.Append(c, $"{caption}\n\n| policy | pass@1 | maj@k | pass@k | problems × k |\n|---|---|---|---|---|\n");
        }
        if (r.Sft is not null || r.SelectPrmTopk is not null || r.SelectRandom is not null)
        {
            Header("## Data selection (the paper's Table 2)");
            Row("SFT (clean data)", r.Sft);
            Row("SFT + PRM top-K of the noisy pool", r.SelectPrmTopk);
            Row("SFT + random K of the noisy pool", r.SelectRandom);
            md.Append('\n');
            foreach (var (name, q) in r.Selections)
                md.Append(c, $"- `{name}` kept: {string.Join(", ", q.Select(kv => $"{kv.Value} {kv.Key}"))}\n");
            if (r.Selections.Count > 0) md.Append('\n');
        }
        if (r.GrpoOutcome is not null || r.GrpoOutcomePrm is not null)
        {
            Header("## GRPO rewards (the paper's Table 3)");
            Row("SFT (start of GRPO)", r.Sft);
            Row("GRPO, outcome reward", r.GrpoOutcome);
            Row("GRPO, outcome + PRM reward", r.GrpoOutcomePrm);
            md.Append('\n');
        }
        if (json["bon"] is JsonObject bon)
        {
            md.Append("## Best-of-N by PRM against majority voting (the paper's Figure 5)\n\n| N | Best-of-N by PRM | majority |\n|---|---|---|\n");
            var ns = bon["n"]!.AsArray();
            for (int i = 0; i < ns.Count; i++)
                md.Append(c, $"| {ns[i]} | {P((double)bon["prm"]![i]!)} | {P((double)bon["majority"]![i]!)} |\n");
            md.Append('\n');
            if (bestOfNFigure is not null) md.Append(c, $"![Best-of-N]({bestOfNFigure})\n\n");
        }
        var claims = Checks(r, json);
        if (claims.Count > 0)
        {
            md.Append("## The paper's claims in miniature\n\n");
            foreach (var (claim, holds, detail) in claims) md.Append(c, $"- {(holds ? "holds" : "does not hold")}: {claim} ({detail})\n");
            md.Append('\n');
        }
        if (curveFiles.Count > 0)
        {
            md.Append("## Training curves\n\n");
            foreach (var f in curveFiles) md.Append(c, $"![{Path.GetFileNameWithoutExtension(f)}]({f})\n");
            md.Append('\n');
        }
        md.Append(c, $"## Time\n\n{json["seconds"]} s for the stages of this run");
        if (json["stage_seconds"] is JsonObject stages && stages.Count > 0)
            md.Append(" (" + string.Join(", ", stages.Select(kv => $"{kv.Key} {kv.Value} s")) + ")");
        md.Append(c, $"; {json["cpu_seconds"]} s of CPU time in this process");
        if (json["load_average"] is JsonArray load && load.Count == 3)
            md.Append(c, $"; load average at the end {load[0]}, {load[1]}, {load[2]} on {Environment.ProcessorCount} cores (above the core count, other work shared the machine and the wall time grew)");
        md.Append(".\n");
        return md.ToString();
    }
}
