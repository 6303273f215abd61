using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using ReasonFlux.IO;
using ReasonFlux.Recipes.Loading;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Runs;

namespace ReasonFlux.Training.Eval.Tests;

/// <summary>The eval stage through the real recipe runner on builtin:tiny.</summary>
public class EvalRunnerTests
{
    private static ReasonFlux.Recipes.Recipe Recipe(TempDir dir, string extra = "", string? benchmark = null)
    {
        var bench = benchmark ?? dir.Write("set.jsonl", "{\"problem\":\"1+1?\",\"answer\":\"2\"}\n{\"problem\":\"2+3?\",\"answer\":\"5\"}\n{\"problem\":\"4+4?\",\"answer\":\"8\"}\n");
        var yaml = $$"""
            run_name: evalrun
            output_dir: "{{dir["runs"]}}"
            kind: eval
            model:
              path: "builtin:tiny"
              dtype: float32
            benchmark: "{{bench}}"
            limit: 2
            n: 2
            sampling:
              max_new_tokens: 6
              temperature: 1.0
            logging:
              progress: plain
              tensorboard: false
            {{extra}}
            """;
        return RecipeLoader.Parse(yaml, dir["evalrun.yaml"]);
    }

    private static RunResult Run(ReasonFlux.Recipes.Recipe recipe, EvalRunner runner, TrainingInterrupt? interrupt = null)
    {
        using var owned = interrupt is null ? TrainingInterrupt.CreateDetached(_ => throw new InvalidOperationException("exit")) : null;
        return new RecipeRunner(new StageRunnerRegistry().Register(runner))
            .Run(recipe, new ResumeRequest.Fresh(), interrupt ?? owned!, new RunSettings { Interactive = false });
    }

    private static string StageFolder(RunResult run) => Directory.GetDirectories(run.RunDirectory).Single(d => File.Exists(Path.Combine(d, MetricsLogger.FileName)));

    [Fact]
    public void Run_EvalStage_WritesReportsAndLogsMetricsAtStep1()
    {
        using var dir = new TempDir();
        var run = Run(Recipe(dir), new EvalRunner());
        Assert.Equal(StageOutcome.Completed, run.Outcome);
        var stage = StageFolder(run);
        var output = Path.Combine(stage, "output");
        Assert.Equal(2, JsonlReader.ReadAll(Path.Combine(output, EvalReport.ProblemsFileName)).Count);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(output, EvalReport.SummaryJsonFileName)))!;
        Assert.Equal("builtin:tiny", (string)summary["model"]!);
        Assert.Equal(2, (int)summary["samples_per_problem"]!);
        Assert.True(File.Exists(Path.Combine(output, EvalReport.SummaryMarkdownFileName)));

        var line = Assert.Single(JsonlReader.ReadAll(Path.Combine(stage, MetricsLogger.FileName)));
        Assert.Equal(1, (int)line.Value["step"]!);
        Assert.Equal((double)summary["metrics"]!["accuracy"]!, (double)line.Value["eval/set/accuracy"]!);
        Assert.NotNull(line.Value["eval/set/pass@2"]);
        Assert.NotNull(line.Value["eval/set/maj@2"]);
    }

    [Fact]
    public void Run_BestOfNWithoutScorerFactory_ClearError()
    {
        using var dir = new TempDir();
        var recipe = Recipe(dir, "best_of_n: 2\nprm:\n  path: \"builtin:tiny\"");
        var e = Assert.Throws<NotSupportedException>(() => Run(recipe, new EvalRunner()));
        Assert.Contains("PRM scoring is not wired", e.Message);
    }

    [Fact]
    public void Run_BestOfNWithScorerFactory_ReportsBestOfN()
    {
        using var dir = new TempDir();
        var recipe = Recipe(dir, "best_of_n: 2\nprm:\n  path: \"builtin:tiny\"\n  alpha: 0.5");
        PrmScorerOptions? seen = null;
        var runner = new EvalRunner((prm, _) =>
        {
            seen = prm;
            return new DelegateCompletionScorer(items => items.Select(i => (double)i.Response.Length).ToArray(), "length");
        });
        var run = Run(recipe, runner);
        Assert.Equal(StageOutcome.Completed, run.Outcome);
        Assert.Equal(0.5, seen!.Alpha);
        var line = Assert.Single(JsonlReader.ReadAll(Path.Combine(StageFolder(run), MetricsLogger.FileName)));
        Assert.NotNull(line.Value["eval/set/bon@2"]);
        var problems = JsonlReader.ReadAll(Path.Combine(StageFolder(run), "output", EvalReport.ProblemsFileName));
        Assert.All(problems, p => Assert.NotNull(p.Value["samples"]![0]!["prm_score"]));
    }

    [Fact]
    public void Run_Interrupted_ReturnsInterruptedAndWritesNothing()
    {
        using var dir = new TempDir();
        var recipe = Recipe(dir, "best_of_n: 2\nprm:\n  path: \"builtin:tiny\"");
        using var interrupt = TrainingInterrupt.CreateDetached(_ => throw new InvalidOperationException("exit"));
        // The scorer factory runs after the model is loaded and before generation: a signal arriving then.
        var runner = new EvalRunner((_, _) =>
        {
            interrupt.Request(PosixSignal.SIGTERM);
            return new DelegateCompletionScorer(items => new double[items.Count], "zero");
        });
        var run = Run(recipe, runner, interrupt);
        Assert.Equal(StageOutcome.Interrupted, run.Outcome);
        Assert.False(File.Exists(Path.Combine(StageFolder(run), "output", EvalReport.SummaryJsonFileName)));
    }

    [Fact]
    public void Run_GpqaFromRecipe_ReportsAccuracyPerDomain()
    {
        using var dir = new TempDir();
        var csv = dir.Write("gpqa_diamond.csv", EvalBenchmarkTests.GpqaCsv);
        var recipe = Recipe(dir, $"gpqa_csv: \"{csv}\"\ngpqa_seed: 3", benchmark: "gpqa-diamond");
        Assert.Empty(RecipeFileCheck.FindMissing(recipe));
        var run = Run(recipe, new EvalRunner());
        Assert.Equal(StageOutcome.Completed, run.Outcome);
        var output = Path.Combine(StageFolder(run), "output");
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(output, EvalReport.SummaryJsonFileName)))!;
        Assert.Equal("gpqa-diamond", (string)summary["benchmark"]!);
        // limit: 2 keeps the physics and chemistry rows.
        Assert.Equal(["chemistry", "physics"], summary["domains"]!.AsObject().Select(d => d.Key).Order());
        var line = Assert.Single(JsonlReader.ReadAll(Path.Combine(StageFolder(run), MetricsLogger.FileName)));
        Assert.NotNull(line.Value["eval/gpqa-diamond/accuracy/physics"]);
        var problems = JsonlReader.ReadAll(Path.Combine(output, EvalReport.ProblemsFileName));
        Assert.Equal(EvalBenchmark.Load("gpqa-diamond", csv, limit: 2, gpqaSeed: 3).Items.Select(i => i.Answer), problems.Select(p => (string)p.Value["gold"]!));
        Assert.Contains("| domain | problems | pass@1 |", File.ReadAllText(Path.Combine(output, EvalReport.SummaryMarkdownFileName)));
    }

    [Fact]
    public void Recipe_GpqaWithoutCsv_RefusedAtValidationSayingWhereToGetIt()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<ReasonFlux.Recipes.Schema.RecipeException>(() => Recipe(dir, benchmark: "gpqa-diamond"));
        Assert.Contains("gpqa_csv", e.Message);
        Assert.Contains("huggingface.co/datasets/Idavidrein/gpqa", e.Message);
        Assert.Contains("gpqa_diamond.csv", e.Message);
        var other = Assert.Throws<ReasonFlux.Recipes.Schema.RecipeException>(() => Recipe(dir, "gpqa_csv: \"x.csv\""));
        Assert.Contains("only read with benchmark: gpqa-diamond", other.Message);
    }

    [Fact]
    public void DryRunCheck_GpqaCsvMissingOrWrong_NamesTheKeyAndTheFile()
    {
        using var dir = new TempDir();
        var missing = RecipeFileCheck.FindMissing(Recipe(dir, $"gpqa_csv: \"{dir["nope.csv"]}\"", benchmark: "gpqa-diamond"));
        var error = Assert.Single(missing);
        Assert.Equal("gpqa_csv", error.KeyPath);
        Assert.Contains("file not found", error.Message);
        Assert.Contains("huggingface.co/datasets/Idavidrein/gpqa", error.Message);

        var wrong = dir.Write("wrong.csv", "problem,answer\n1+1?,2\n");
        var header = Assert.Single(RecipeFileCheck.FindMissing(Recipe(dir, $"gpqa_csv: \"{wrong}\"", benchmark: "gpqa-diamond")));
        Assert.Contains("missing column(s) \"Question\", \"Correct Answer\"", header.Message);
        Assert.Contains("wrong.csv", header.Message);
    }
}
