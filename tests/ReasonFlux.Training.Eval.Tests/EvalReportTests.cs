using System.Text.Json.Nodes;
using ReasonFlux.Grading;
using ReasonFlux.Grading.Datasets;
using ReasonFlux.IO;
using ReasonFlux.Rollout;
using ReasonFlux.Tokenizers;

namespace ReasonFlux.Training.Eval.Tests;

public class EvalReportTests
{
    private static EvalResult Result(bool scored)
    {
        var bench = new EvalBenchmark("toy",
        [
            new BenchmarkItem("a", "1+1?", "2", GradingTask.Math),
            new BenchmarkItem("b", "2+2?", "4", GradingTask.Math),
        ], "toy");
        string[][] texts = [["\\boxed{2}", "\\boxed{5} [cut]"], ["\\boxed{4}", "\\boxed{4}"]];
        var generator = new ScriptedGenerator((p, s) => texts[p][s]);
        var settings = new EvalSettings { SamplesPerProblem = 2, Sampling = new SamplingParams { Temperature = 0.6, TopP = 0.95, MaxNewTokens = 32, Seed = 3 } };
        return new Evaluator(generator, ChatTemplate.BuiltIn(ChatTemplate.ChatMlName), "my-model")
            .Evaluate(bench, settings, scored ? new TableScorer([[0.2, 0.7], [0.5, 0.1]], 2) : null);
    }

    [Fact]
    public void Write_ProblemsJsonl_OneParseableLinePerProblemWithEverySample()
    {
        using var dir = new TempDir();
        EvalReport.Write(Result(scored: true), dir.Path);
        var lines = JsonlReader.ReadAll(dir[EvalReport.ProblemsFileName]);
        Assert.Equal(2, lines.Count);
        var a = lines[0].Value;
        Assert.Equal("a", (string)a["id"]!);
        Assert.Equal("2", (string)a["gold"]!);
        Assert.Equal("math", (string)a["task"]!);
        Assert.Equal(1, (int)a["correct"]!);
        Assert.Equal(0.5, (double)a["pass@1"]!);
        Assert.Equal(1, (int)a["best_of_n_index"]!);
        Assert.False((bool)a["best_of_n_correct"]!);
        var samples = a["samples"]!.AsArray();
        Assert.Equal(2, samples.Count);
        Assert.Equal("\\boxed{2}", (string)samples[0]!["text"]!);
        Assert.Equal("2", (string)samples[0]!["extracted"]!);
        Assert.True((bool)samples[0]!["correct"]!);
        Assert.Equal("stop", (string)samples[0]!["finish_reason"]!);
        Assert.Equal("length", (string)samples[1]!["finish_reason"]!);
        Assert.Equal(9, (int)samples[0]!["tokens"]!);
        Assert.Equal(0.7, (double)samples[1]!["prm_score"]!);
        Assert.Equal("NotEquivalent", (string)samples[1]!["reason"]!);
        Assert.False(File.Exists(dir[EvalReport.ProblemsFileName + ".tmp"]));
    }

    [Fact]
    public void Write_SummaryJson_HoldsSettingsMetricsAndTiming()
    {
        using var dir = new TempDir();
        var result = Result(scored: true);
        EvalReport.Write(result, dir.Path);
        var s = JsonNode.Parse(File.ReadAllText(dir[EvalReport.SummaryJsonFileName]))!.AsObject();
        Assert.Equal("my-model", (string)s["model"]!);
        Assert.Equal("toy", (string)s["benchmark"]!);
        Assert.Equal(2, (int)s["problems"]!);
        Assert.Equal(2, (int)s["samples_per_problem"]!);
        Assert.Equal("math-equivalence", (string)s["grader"]!);
        Assert.Equal(EvalPrompts.DefaultMathSystemPrompt, (string)s["system_prompt"]!);
        Assert.Equal(0.6, (double)s["sampling"]!["temperature"]!);
        Assert.Equal(0.95, (double)s["sampling"]!["top_p"]!);
        Assert.Equal(32, (int)s["sampling"]!["max_new_tokens"]!);
        Assert.Equal(3, (long)s["sampling"]!["seed"]!);
        var m = s["metrics"]!.AsObject();
        Assert.Equal(0.75, (double)m["accuracy"]!);
        Assert.Equal(0.75, (double)m["pass@1"]!);
        Assert.Equal(1.0, (double)m["pass@2"]!);
        Assert.Equal(result.MajorityAtK[2], (double)m["maj@2"]!);
        Assert.Equal(0.5, (double)m["bon@2"]!); // a picks its wrong sample, b its right one
        Assert.Equal(0.25, (double)s["truncation_rate"]!);
        Assert.Equal(result.MeanResponseTokens, (double)s["mean_response_tokens"]!);
        Assert.True((double)s["wall_seconds"]! >= 0);
        Assert.NotNull(s["tokens_per_second"]);
        Assert.Equal("table", (string)s["scorer"]!);
    }

    [Fact]
    public void Write_SummaryMarkdown_TableWithBestOfNColumnOnlyWhenScored()
    {
        using var dir = new TempDir();
        EvalReport.Write(Result(scored: true), dir.Path);
        var md = File.ReadAllText(dir[EvalReport.SummaryMarkdownFileName]);
        Assert.Contains("# Evaluation: toy", md);
        Assert.Contains("| k | pass@k | maj@k | Best-of-k |", md);
        Assert.Contains("| 2 | 100.00% |", md);
        Assert.Contains("**pass@1 (mean over 2 samples): 75.00%**", md);
        Assert.Contains("| truncated (max_new_tokens) | 25.00% |", md);

        var plain = EvalReport.SummaryMarkdown(Result(scored: false));
        Assert.Contains("| k | pass@k | maj@k |\n", plain);
        Assert.DoesNotContain("Best-of", plain);
    }
}
