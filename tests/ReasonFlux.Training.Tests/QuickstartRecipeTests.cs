using System.Text.Json.Nodes;
using ReasonFlux.Recipes.Loading;
using ReasonFlux.Runs;
using ReasonFlux.Tests.Shared;

namespace ReasonFlux.Training.Tests;

/// <summary>
/// The README's main job, shortened: recipes/quickstart.yaml with every stage, on fewer problems and steps. Each stage
/// must leave its outputs, the report must hold the issue's keys, and the SFT policy must beat guessing. "Guessing" is
/// a uniform guess per token (loss ln |vocab|): answer-level accuracy after so short an SFT is a few per cent, too close
/// to a 1-in-100 guess to assert on 96 samples without flakiness.
/// </summary>
public class QuickstartRecipeTests
{
    /// <summary>One operation with a one-digit operand on values up to 99: the shortest traces.</summary>
    private const int MaxValue = 99;

    private static readonly string[] ChatTemplateStages = ["sft", "label", "sft_topk", "sft_random", "grpo", "grpo_prm", "eval_sft", "eval_sft_topk", "eval_sft_random", "eval_grpo", "eval_grpo_prm"];

    private static List<string> Shortened(TempDir dir)
    {
        var template = Path.Combine(RepoPaths.Root, "recipes", "data", "quickstart", "chat_template.jinja");
        var set = new List<string>
        {
            $"output_dir={dir.Path}",
            "data.problems.min_operations=1", "data.problems.max_operations=1", "data.problems.min_operand=1",
            "data.problems.max_operand=9", $"data.problems.max_value={MaxValue}",
            "data.sizes.sft=400", "data.sizes.grpo=32", "data.sizes.eval=24", "data.sizes.pool=48", "data.sizes.prm=16", "data.sizes.prm_policy=16", "label.samples=2",
            "sft.training.steps=100", "sft.optimizer.lr=6.0e-3", "prm.training.steps=4",
            "select_prm.top_k=16", "select_random.top_k=16", "sft_topk.training.steps=2", "sft_random.training.steps=2",
            "grpo.training.steps=1", "grpo_prm.training.steps=1", "grpo.rollout.prompts_per_step=2", "grpo_prm.rollout.prompts_per_step=2",
            "grpo.training.micro_batch_size=16", "grpo_prm.training.micro_batch_size=16",
            "eval_sft.n=4", "eval_sft.best_of_n=4", "eval_sft_topk.n=1", "eval_sft_random.n=1", "eval_grpo.n=1", "eval_grpo_prm.n=1",
        };
        set.AddRange(ChatTemplateStages.Select(s => $"{s}.model.chat_template={template}"));
        set.Add($"prm.model.chat_template={Path.Combine(RepoPaths.Root, "recipes", "data", "quickstart", "prm_chat_template.jinja")}");
        return set;
    }

    [Fact]
    public void ShortenedQuickstart_RunsEveryStage_WritesTheReport_SftBeatsChance()
    {
        using var dir = new TempDir();
        var recipe = RecipeLoader.Load(Path.Combine(RepoPaths.Root, "recipes", "quickstart.yaml"), Shortened(dir));
        var registry = TrainingStages.RegisterAll(new StageRunnerRegistry());
        using var interrupt = TrainingInterrupt.CreateDetached(_ => throw new InvalidOperationException("second signal"));
        var result = new RecipeRunner(registry).Run(recipe, new ResumeRequest.Fresh(), interrupt, new RunSettings { Interactive = false, BaseDirectory = RepoPaths.Root });
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(recipe.Stages.Select(s => s.Name), result.CompletedStages);

        string Output(string stage, string file) => Path.Combine(recipe.StageDirectory(stage), "output", file);
        foreach (var file in new[] { "eval.jsonl", "sft.jsonl", "grpo.jsonl", "pool.jsonl", "prm.jsonl", "prm_problems.jsonl", "data.json" }) Assert.True(File.Exists(Output("data", file)), file);
        Assert.True(File.Exists(Output("label", "summary.json")));
        Assert.NotEmpty(File.ReadLines(Output("label", "prm.jsonl")));
        foreach (var model in new[] { "sft", "prm", "sft_topk", "sft_random", "grpo", "grpo_prm" }) Assert.True(File.Exists(Output(model, "config.json")), model);
        foreach (var select in new[] { "select_prm", "select_random" }) Assert.Equal(16, File.ReadLines(Output(select, "selected.jsonl")).Count());
        foreach (var eval in new[] { "eval_sft", "eval_sft_topk", "eval_sft_random", "eval_grpo", "eval_grpo_prm" }) Assert.True(File.Exists(Output(eval, "summary.json")), eval);
        Assert.True(File.Exists(Output("report", "report.md")));
        Assert.NotEmpty(Directory.GetFiles(Path.GetDirectoryName(Output("report", "curves/x"))!, "*.png"));

        var report = JsonNode.Parse(File.ReadAllText(Output("report", "report.json")))!;
        foreach (var key in new[] { "select", "grpo" }) Assert.NotNull(report[key]);
        Assert.Equal([1, 2, 4], report["bon"]!["n"]!.AsArray().Select(n => (int)n!));
        Assert.Equal(3, report["bon"]!["prm"]!.AsArray().Count);
        Assert.Equal(3, report["bon"]!["majority"]!.AsArray().Count);
        Assert.True((double)report["seconds"]! > 0);
        foreach (var row in new[] { report["select"]!["prm_topk"], report["select"]!["random"], report["grpo"]!["outcome"], report["grpo"]!["outcome_prm"] })
            Assert.InRange((double)row!["pass@1"]!, 0, 1);
        Assert.InRange((double)report["sft"]!["pass@1"]!, 0, 1);
        var loss = MetricsFile.Read(Path.Combine(recipe.StageDirectory("sft"), "metrics.jsonl")).Single(m => m.Name == MetricNames.Loss).Values;
        double guessing = Math.Log(ReasonFlux.Models.Builtin.BuiltinModels.Config("tiny").VocabSize);
        Assert.True(loss[^1] < 0.25 * guessing, $"SFT loss ends at {loss[^1]:F3}, not far below a uniform guess's {guessing:F3} per token");
    }
}
