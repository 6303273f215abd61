using ReasonFlux.Models.Weights;
using ReasonFlux.Recipes.Loading;
using ReasonFlux.Recipes.Schema;
using ReasonFlux.Runs;
using ReasonFlux.Tests.Shared;
using ReasonFlux.Training.Sft;

namespace ReasonFlux.Training.Tests;

/// <summary>data.eval: a held-out loss before the first step, every eval_every steps and after the last, with no effect on training.</summary>
public class SftEvalLossTests
{
    private static readonly string Data = RepoPaths.TestData("sft-addition", "sft.jsonl");

    [Fact]
    public void Run_WithHeldOutSet_LogsEvalLossAtStepZeroEveryNAndLast_AndTrainsTheSameWeights()
    {
        using var dir = new TempDir();
        var train = dir["train.jsonl"];
        var held = dir["held.jsonl"];
        var lines = File.ReadLines(Data).ToList();
        File.WriteAllLines(train, lines.Take(48));
        File.WriteAllLines(held, lines.Skip(48).Take(16));
        var plain = SftRecipes.Write(dir, train, steps: 5, lr: 6e-3, runName: "plain");
        var withEval = SftRecipes.Write(dir, train, steps: 5, lr: 6e-3, runName: "eval", overrides: [$"sft.data.eval={held}", "sft.data.eval_every=2"]);
        Assert.Equal(StageOutcome.Completed, SftRecipes.Run(plain, new ResumeRequest.Fresh()).Outcome);
        Assert.Equal(StageOutcome.Completed, SftRecipes.Run(withEval, new ResumeRequest.Fresh()).Outcome);

        var series = MetricsFile.Read(Path.Combine(SftRecipes.StageDirectory(withEval), "metrics.jsonl")).Single(s => s.Name == SftRunner.EvalLossMetric);
        Assert.Equal([0L, 2, 4, 5], series.Steps);
        Assert.All(series.Values, v => Assert.True(double.IsFinite(v) && v > 0));
        Assert.True(series.Values[^1] < series.Values[0], $"eval_loss {string.Join(" ", series.Values)} did not fall");
        Assert.DoesNotContain(MetricsFile.Read(Path.Combine(SftRecipes.StageDirectory(plain), "metrics.jsonl")), s => s.Name == SftRunner.EvalLossMetric);

        // Evaluating draws no random numbers and changes no weight: the two runs end bit-identical.
        var a = TensorFiles.Read(Path.Combine(SftRecipes.StageDirectory(plain), "output", "model.safetensors"));
        var b = TensorFiles.Read(Path.Combine(SftRecipes.StageDirectory(withEval), "output", "model.safetensors"));
        try
        {
            foreach (var (name, t) in a) Assert.True(t.ToFloatArray().AsSpan().SequenceEqual(b[name].ToFloatArray()), $"{name} differs");
        }
        finally
        {
            foreach (var t in a.Values.Concat(b.Values)) t.Dispose();
        }
    }

    [Fact]
    public void Validate_EvalEveryWithoutEvalSet_IsRefused()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<RecipeException>(() => SftRecipes.Write(dir, Data, steps: 1, overrides: ["sft.data.eval_every=2"]));
        Assert.Contains("data.eval_every", e.Message);
    }
}
