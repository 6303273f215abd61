using ReasonFlux.Models.Builtin;
using ReasonFlux.Models.Weights;
using ReasonFlux.Runs;
using ReasonFlux.Tests.Shared;
using ReasonFlux.Torch;

namespace ReasonFlux.Training.Tests;

/// <summary>bf16 SFT with fp32 master weights: GRPO-sized updates survive, saved outputs carry them, resume is exact.</summary>
public class SftMixedPrecisionTests
{
    private static readonly string QuickstartData = RepoPaths.TestData("sft-addition", "sft.jsonl");

    private static string Output(Recipes.Recipe recipe) => Path.Combine(SftRecipes.StageDirectory(recipe), "output", "model.safetensors");

    // Fraction of elements of the non-embedding tensors that differ between two saved models.
    private static double ChangedFraction(string a, string b)
    {
        var x = TensorFiles.Read(a);
        var y = TensorFiles.Read(b);
        try
        {
            long changed = 0, total = 0;
            foreach (var (name, t) in x)
            {
                if (name.Contains("embed_tokens", StringComparison.Ordinal) || name.Contains("lm_head", StringComparison.Ordinal)) continue;
                Assert.Equal(ScalarType.Float32, t.dtype);
                var u = t.ToFloatArray();
                var v = y[name].ToFloatArray();
                for (int i = 0; i < u.Length; i++) if (u[i] != v[i]) changed++;
                total += u.Length;
            }
            return (double)changed / total;
        }
        finally
        {
            foreach (var t in x.Values.Concat(y.Values)) t.Dispose();
        }
    }

    [Fact]
    public void Bf16AtLr1e6_SavedInFloat32_ChangesMostNonEmbeddingElements_After3And6Steps()
    {
        using var dir = new TempDir();
        var initial = BuiltinModels.Materialize("builtin:tiny", dir["initial"], seed: 1); // the run's own initialisation (training.seed 1)
        string Run(int steps)
        {
            var recipe = SftRecipes.Write(dir, QuickstartData, steps: steps, lr: 1e-6, dtype: "bfloat16", saveDtype: "float32", schedule: "constant", warmup: 0, runName: $"bf16-{steps}");
            Assert.Equal(StageOutcome.Completed, SftRecipes.Run(recipe, new ResumeRequest.Fresh()).Outcome);
            return Output(recipe);
        }
        var after3 = Run(3);
        var after6 = Run(6);
        var first = ChangedFraction(Path.Combine(initial, "model.safetensors"), after3);
        var second = ChangedFraction(after3, after6);
        Assert.True(first > 0.5, $"after 3 steps only {first:P1} of the non-embedding elements changed");
        Assert.True(second > 0.5, $"steps 4-6 changed only {second:P1} of the non-embedding elements");
    }

    [Fact]
    public void Bf16Run_EndsWithinTolerance_OfTheSameRunInFloat32()
    {
        using var dir = new TempDir();
        double FinalLoss(string dtype)
        {
            var recipe = SftRecipes.Write(dir, QuickstartData, steps: 50, lr: 6e-3, dtype: dtype, runName: "sft-" + dtype);
            Assert.Equal(StageOutcome.Completed, SftRecipes.Run(recipe, new ResumeRequest.Fresh()).Outcome);
            var metrics = MetricsFile.Read(Path.Combine(SftRecipes.StageDirectory(recipe), "metrics.jsonl"));
            var rss = metrics.Single(s => s.Name == ProcessMemory.PeakRssMetric).Values;
            Assert.Equal(50, rss.Count);
            Assert.All(rss, mb => Assert.InRange(mb, 10, 1e6)); // a peak per step, in MiB
            return metrics.Single(s => s.Name == MetricNames.Loss).Values.TakeLast(5).Average();
        }
        double fp32 = FinalLoss("float32"), bf16 = FinalLoss("bfloat16");
        // bf16 activations and logits-matmul inputs perturb each step; 15 % of the final loss is the stated tolerance.
        Assert.True(Math.Abs(bf16 - fp32) <= 0.15 * fp32, $"final loss bf16 {bf16:F4} vs fp32 {fp32:F4}");
    }

    [Fact]
    public void Bf16Resume_RestoresTheMasterWeights_AndEndsBitIdentical()
    {
        using var dir = new TempDir();
        var whole = SftRecipes.Write(dir, QuickstartData, steps: 4, microBatch: 4, lr: 1e-4, dtype: "bfloat16", saveDtype: "float32", runName: "whole");
        Assert.Equal(StageOutcome.Completed, SftRecipes.Run(whole, new ResumeRequest.Fresh()).Outcome);
        var split = SftRecipes.Write(dir, QuickstartData, steps: 4, microBatch: 4, lr: 1e-4, dtype: "bfloat16", saveDtype: "float32", runName: "split");
        Assert.Equal(StageOutcome.Interrupted, SftRecipes.Run(split, new ResumeRequest.Fresh(), interruptAfter: 2).Outcome);
        Assert.Equal(StageOutcome.Completed, SftRecipes.Run(split, new ResumeRequest.Auto()).Outcome);
        Assert.Equal(0.0, ChangedFraction(Output(whole), Output(split)));
    }
}
