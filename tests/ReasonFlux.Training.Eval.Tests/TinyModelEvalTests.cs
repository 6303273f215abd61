using System.Text.Json.Nodes;
using ReasonFlux.IO;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Rollout;

namespace ReasonFlux.Training.Eval.Tests;

/// <summary>Plumbing on a real (random, tiny) model: generation, decoding, grading and reports end to end.</summary>
public class TinyModelEvalTests(TinyModelFixture tiny) : IClassFixture<TinyModelFixture>
{
    private static EvalBenchmark TwoProblems(TempDir dir) =>
        EvalBenchmark.Load(dir.Write("two.jsonl", "{\"problem\":\"1+1?\",\"answer\":\"2\"}\n{\"problem\":\"2+3?\",\"answer\":\"5\"}\n{\"problem\":\"9+9?\",\"answer\":\"18\"}\n"), limit: 2);

    private static readonly EvalSettings Settings = new()
    {
        SamplesPerProblem = 2,
        Sampling = new SamplingParams { Temperature = 1.0, MaxNewTokens = 8, Seed = 11 },
    };

    [Fact]
    public void Run_BuiltinTiny_TwoProblemsTwoSamples_GradedAndWritten()
    {
        using var dir = new TempDir();
        var bench = TwoProblems(dir);
        var result = Evaluator.Run(tiny.Model, bench, Settings);

        Assert.Equal(2, result.Problems.Count);
        Assert.All(result.Problems, p => Assert.Equal(2, p.Samples.Count));
        var samples = result.Problems.SelectMany(p => p.Samples).ToList();
        Assert.All(samples, s =>
        {
            Assert.InRange(s.TokenCount, 1, 8);
            Assert.Equal(s.TokenCount == 8 ? FinishReason.Length : FinishReason.Stop, s.FinishReason);
            Assert.NotNull(s.Text);
        });
        Assert.Equal(samples.Sum(s => s.TokenCount), result.GeneratedTokens);
        Assert.InRange(result.PassAt1, 0, 1);
        Assert.True(result.TokensPerSecond > 0);
        Assert.Equal(tiny.Directory, result.Model);

        EvalReport.Write(result, dir["out"]);
        Assert.Equal(2, JsonlReader.ReadAll(Path.Combine(dir["out"], EvalReport.ProblemsFileName)).Count);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir["out"], EvalReport.SummaryJsonFileName)))!;
        Assert.Equal(2, (int)summary["problems"]!);
        Assert.True(File.Exists(Path.Combine(dir["out"], EvalReport.SummaryMarkdownFileName)));
    }

    [Fact]
    public void Run_SameSeed_SameSamples()
    {
        using var dir = new TempDir();
        var bench = TwoProblems(dir);
        var a = Evaluator.Run(tiny.Model, bench, Settings);
        var b = Evaluator.Run(tiny.Model, bench, Settings);
        Assert.Equal(a.Problems.SelectMany(p => p.Samples.Select(s => s.Text)), b.Problems.SelectMany(p => p.Samples.Select(s => s.Text)));
    }

    [Fact]
    public void Run_PromptLongerThanModelAllows_ClearError()
    {
        using var dir = new TempDir();
        var bench = TwoProblems(dir);
        var e = Assert.Throws<ArgumentException>(() => Evaluator.Run(tiny.Model, bench, Settings with { Sampling = Settings.Sampling with { MaxNewTokens = 500 } }));
        Assert.Contains("max_position_embeddings", e.Message);
    }

    [Fact]
    public void GrpoEvaluation_Evaluate_MetricsKeyedByBenchmark()
    {
        using var dir = new TempDir();
        var path = dir.Write("quick.jsonl", "{\"problem\":\"1+1?\",\"answer\":\"2\"}\n{\"problem\":\"2+3?\",\"answer\":\"5\"}\n");
        var options = new GrpoOptions { Eval = new GrpoEvalOptions { Every = 1, Benchmark = path, Limit = 1, Sampling = new SamplingOptions { MaxNewTokens = 6 } } };
        var metrics = GrpoEvaluation.Evaluate(tiny.Model, options, step: 3);
        Assert.InRange(metrics["quick/accuracy"], 0, 1);
        Assert.Contains("quick/pass@1", metrics.Keys);
        Assert.Contains("quick/maj@1", metrics.Keys);
        Assert.InRange(metrics["quick/response_length/mean"], 1, 6);
    }
}
