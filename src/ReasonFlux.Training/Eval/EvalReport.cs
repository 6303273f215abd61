using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReasonFlux.Grading;
using ReasonFlux.IO;
using ReasonFlux.Recipes.Schema;
using ReasonFlux.Rollout;

namespace ReasonFlux.Training.Eval;

/// <summary>
/// Writes an <see cref="EvalResult"/> into a folder: <c>problems.jsonl</c> (one line per problem with every sample),
/// <c>summary.json</c> and <c>summary.md</c>. Files are written under temporary names and moved into place.
/// </summary>
public static class EvalReport
{
    public const string ProblemsFileName = "problems.jsonl";
    public const string SummaryJsonFileName = "summary.json";
    public const string SummaryMarkdownFileName = "summary.md";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the three files into <paramref name="directory"/> (created if needed).</summary>
    public static void Write(EvalResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        using (var writer = new JsonlWriter(Path.Combine(directory, ProblemsFileName)))
        {
            foreach (var p in result.Problems) writer.Write(ProblemJson(p));
            writer.Commit();
        }
        WriteAtomically(Path.Combine(directory, SummaryJsonFileName), SummaryJson(result).ToJsonString(Indented) + "\n");
        WriteAtomically(Path.Combine(directory, SummaryMarkdownFileName), SummaryMarkdown(result));
    }

    /// <summary>
    /// One problem: id, task, problem, gold, correct (count), pass@1, majority answer and its correctness, the
    /// Best-of-N pick (when scored) and the samples (index, text, extracted, correct, reason, finish_reason, tokens,
    /// prm_score when scored).
    /// </summary>
    public static JsonObject ProblemJson(ProblemResult p)
    {
        var samples = new JsonArray();
        foreach (var s in p.Samples)
        {
            var o = new JsonObject
            {
                ["index"] = s.Index,
                ["text"] = s.Text,
                ["extracted"] = s.Extracted,
                ["correct"] = s.Correct,
                ["reason"] = s.Reason.ToString(),
                ["finish_reason"] = FinishReasonName(s.FinishReason),
                ["tokens"] = s.TokenCount,
            };
            if (s.PrmScore is { } score) o["prm_score"] = JsonNumber(score);
            samples.Add(o);
        }
        var json = new JsonObject
        {
            ["id"] = p.Item.Id,
            ["task"] = p.Item.Task == GradingTask.Choice ? "choice" : "math",
            ["problem"] = p.Item.Problem,
            ["gold"] = p.Item.Answer,
            ["correct"] = p.CorrectCount,
            ["pass@1"] = (double)p.CorrectCount / p.Samples.Count,
            ["majority_answer"] = p.MajorityAnswer,
            ["majority_correct"] = p.MajorityCorrect,
        };
        if (p.BestOfNIndex is { } best)
        {
            json["best_of_n_index"] = best;
            json["best_of_n_correct"] = p.Samples[best].Correct;
        }
        if (p.WeightedMajorityCorrect is { } weightedCorrect)
        {
            json["prm_majority_answer"] = p.WeightedMajorityAnswer;
            json["prm_majority_correct"] = weightedCorrect;
        }
        if (p.Item.Domain is { } domain) json["domain"] = domain;
        json["samples"] = samples;
        return json;
    }

    /// <summary>The summary: model, benchmark, problem and sample counts, sampling, grader, metrics, lengths, timing.</summary>
    public static JsonObject SummaryJson(EvalResult r)
    {
        var s = r.Settings.Sampling;
        var metrics = new JsonObject { ["accuracy"] = r.PassAt1 };
        foreach (var (k, v) in r.PassAtK) metrics[$"pass@{k}"] = v;
        foreach (var (k, v) in r.MajorityAtK) metrics[$"maj@{k}"] = v;
        if (r.BestOfN is not null) foreach (var (n, v) in r.BestOfN) metrics[$"bon@{n}"] = v;
        if (r.WeightedMajority is not null) foreach (var (n, v) in r.WeightedMajority) metrics[$"prm_maj@{n}"] = v;
        var domains = new JsonObject();
        foreach (var d in r.Domains) domains[d.Key] = new JsonObject { ["domain"] = d.Domain, ["problems"] = d.Problems, ["accuracy"] = d.PassAt1 };
        return new JsonObject
        {
            ["model"] = r.Model,
            ["benchmark"] = r.Benchmark,
            ["problems"] = r.Problems.Count,
            ["samples_per_problem"] = r.SamplesPerProblem,
            ["grader"] = SchemaNames.EnumName(r.Settings.Grader),
            ["system_prompt"] = SystemPrompt(r),
            ["sampling"] = new JsonObject
            {
                ["temperature"] = s.Temperature,
                ["top_p"] = s.TopP,
                ["top_k"] = s.TopK,
                ["max_new_tokens"] = s.MaxNewTokens,
                ["seed"] = s.Seed,
            },
            ["scorer"] = r.Scorer,
            ["metrics"] = metrics,
            ["domains"] = domains,
            ["mean_response_tokens"] = r.MeanResponseTokens,
            ["truncation_rate"] = r.TruncationRate,
            ["generated_tokens"] = r.GeneratedTokens,
            ["wall_seconds"] = r.WallTime.TotalSeconds,
            ["generation_seconds"] = r.GenerationTime.TotalSeconds,
            ["tokens_per_second"] = r.TokensPerSecond,
        };
    }

    /// <summary>A human-readable summary: settings and a k × (pass@k, maj@k, Best-of-N) table.</summary>
    public static string SummaryMarkdown(EvalResult r)
    {
        var c = CultureInfo.InvariantCulture;
        var s = r.Settings.Sampling;
        var md = new StringBuilder();
        md.Append(c, $"# Evaluation: {r.Benchmark}\n\n");
        md.Append(c, $"| setting | value |\n|---|---|\n");
        md.Append(c, $"| model | `{r.Model}` |\n");
        md.Append(c, $"| benchmark | {r.Benchmark} |\n");
        md.Append(c, $"| problems | {r.Problems.Count} |\n");
        md.Append(c, $"| samples per problem (K) | {r.SamplesPerProblem} |\n");
        md.Append(c, $"| grader | {SchemaNames.EnumName(r.Settings.Grader)} |\n");
        md.Append(c, $"| sampling | temperature {s.Temperature}, top_p {s.TopP}, top_k {s.TopK}, max_new_tokens {s.MaxNewTokens}, seed {s.Seed} |\n");
        md.Append(c, $"| system prompt | {(SystemPrompt(r) is { } system ? "`" + Cell(system) + "`" : "none")} |\n");
        if (r.Scorer is not null) md.Append(c, $"| Best-of-N scorer | {Cell(r.Scorer)} |\n");
        md.Append('\n');
        md.Append(c, $"**pass@1 (mean over {r.SamplesPerProblem} samples): {Percent(r.PassAt1)}**\n\n");
        md.Append(r.BestOfN is null ? "| k | pass@k | maj@k |\n|---:|---:|---:|\n" : "| k | pass@k | maj@k | Best-of-k | PRM-weighted maj@k |\n|---:|---:|---:|---:|---:|\n");
        foreach (var k in r.PassAtK.Keys.Union(r.BestOfN?.Keys ?? []).Order())
        {
            md.Append(c, $"| {k} | {Cell(r.PassAtK, k)} | {Cell(r.MajorityAtK, k)} |");
            if (r.BestOfN is not null) md.Append(c, $" {Cell(r.BestOfN, k)} | {Cell(r.WeightedMajority!, k)} |");
            md.Append('\n');
        }
        md.Append('\n');
        if (r.Domains.Count > 0)
        {
            md.Append("| domain | problems | pass@1 |\n|---|---:|---:|\n");
            foreach (var d in r.Domains) md.Append(c, $"| {Cell(d.Domain)} | {d.Problems} | {Percent(d.PassAt1)} |\n");
            md.Append(c, $"| all | {r.Problems.Count} | {Percent(r.PassAt1)} |\n\n");
        }
        md.Append(c, $"| generation | value |\n|---|---|\n");
        md.Append(c, $"| mean response length | {r.MeanResponseTokens:F1} tokens |\n");
        md.Append(c, $"| truncated (max_new_tokens) | {Percent(r.TruncationRate)} |\n");
        md.Append(c, $"| generated tokens | {r.GeneratedTokens} |\n");
        md.Append(c, $"| wall time | {r.WallTime.TotalSeconds:F1} s |\n");
        md.Append(c, $"| generation throughput | {r.TokensPerSecond:F1} tokens/s |\n");
        return md.ToString();
    }

    /// <summary>The system turn the prompts carried (the configured one, else the task's default); null: none.</summary>
    private static string? SystemPrompt(EvalResult r)
    {
        var system = r.Settings.SystemPrompt ?? EvalPrompts.DefaultSystemPrompt(r.Problems[0].Item.Task);
        return string.IsNullOrEmpty(system) ? null : system;
    }

    private static string FinishReasonName(FinishReason reason) => reason == FinishReason.Length ? "length" : "stop";

    private static JsonNode? JsonNumber(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;

    private static string Cell(IReadOnlyDictionary<int, double> values, int k) => values.TryGetValue(k, out var v) ? Percent(v) : "";

    internal static string Percent(double v) => (100 * v).ToString("F2", CultureInfo.InvariantCulture) + "%";

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static void WriteAtomically(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text, new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
    }
}
