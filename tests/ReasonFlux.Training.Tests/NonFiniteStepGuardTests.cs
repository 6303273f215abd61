using ReasonFlux.Recipes.Options;
using ReasonFlux.Runs;
using ReasonFlux.Training.Common;
using ReasonFlux.Torch;
using ReasonFlux.Training.Sft;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Tests;

[Collection(SerialCollection.Name)]
public class NonFiniteStepGuardTests
{
    private static List<SftExample> Examples() =>
        Enumerable.Range(0, 4).Select(i => new SftExample(Enumerable.Range(0, 10).Select(t => (i * 31 + t * 7) % 256).ToArray(), 3, $"test:{i + 1}")).ToList();

    private static float[][] Weights(ReasonFlux.Models.LanguageModel lm) =>
        lm.Model.parameters().Select(p => p.detach().ToFloatArray()).ToArray();

    /// <summary>Puts a NaN into the first parameter's gradient while <paramref name="armed"/> says so.</summary>
    private static Action<IReadOnlyList<Tensor>> NanGradient(Func<bool> armed) => parameters =>
    {
        if (!armed()) return;
        using (no_grad())
            {
            using var grad = parameters[0].grad!;
            using var first = grad.view(-1).narrow(0, 0, 1);
            first.fill_(double.NaN);
        }
    };

    [Fact]
    public void Step_NanInjectedIntoAGradient_IsSkippedCountedAndLeavesWeightsUnchanged()
    {
        using var lm = TinyModel.Load();
        bool inject = true;
        using var trainer = new SftTrainer(lm, new OptimizerOptions(), completionOnlyLoss: true, new NonFiniteStepGuard(5, NanGradient(() => inject)));
        var before = Weights(lm);

        var skipped = trainer.Step(Examples(), 2, 1e-2);
        Assert.True(skipped.Skipped);
        Assert.True(double.IsNaN(skipped.GradNorm));
        Assert.True(double.IsFinite(skipped.Loss), "the loss itself was finite: only the gradient was poisoned");
        Assert.Equal(1, trainer.Guard.SkippedSteps);
        var after = Weights(lm);
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i]);

        inject = false;
        var taken = trainer.Step(Examples(), 2, 1e-2);
        Assert.False(taken.Skipped);
        Assert.Equal(0, trainer.Guard.ConsecutiveSkips);
        Assert.Equal(1, trainer.Guard.SkippedSteps);
        Assert.NotEqual(before[0], Weights(lm)[0]);
        Assert.All(Weights(lm), w => Assert.All(w, x => Assert.True(float.IsFinite(x))));
    }

    [Fact]
    public void Guard_MaxConsecutiveSkips_ExhaustsOnlyAfterThatManySkipsInARow()
    {
        using var lm = TinyModel.Load();
        using var trainer = new SftTrainer(lm, new OptimizerOptions(), completionOnlyLoss: true, new NonFiniteStepGuard(3, NanGradient(() => true)));
        trainer.Step(Examples(), 4, 1e-2);
        trainer.Step(Examples(), 4, 1e-2);
        Assert.False(trainer.Guard.Exhausted);
        trainer.Step(Examples(), 4, 1e-2);
        Assert.True(trainer.Guard.Exhausted);
        Assert.False(trainer.Guard.TookAnyStep);
        var e = trainer.Guard.Diverged("sft", 3, "no step succeeded, so no checkpoint was written");
        Assert.Contains("3 optimizer steps in a row", e.Message);
        Assert.Contains("max_consecutive_skips is 3", e.Message);
        Assert.Equal(3, TrainingDivergedException.ExitCode);
    }
}

public class NonFiniteSftRunTests
{
    private static readonly string QuickstartData = ReasonFlux.Tests.Shared.RepoPaths.TestData("sft-addition", "sft.jsonl");

    [Fact]
    public void Run_GradientNanFromStepThree_SavesLastGoodStateAndStopsWithExitCode3()
    {
        using var dir = new TempDir();
        var recipe = SftRecipes.Write(dir, QuickstartData, steps: 20, microBatch: 4);
        int calls = 0;
        var e = Assert.Throws<TrainingDivergedException>(() => SftRecipes.Run(recipe, new ResumeRequest.Fresh(), gradientFault: parameters =>
        {
            if (++calls < 3) return;
            using var grad = parameters[0].grad!;
            using var first = grad.view(-1).narrow(0, 0, 1);
            first.fill_(double.PositiveInfinity);
        }));
        Assert.Contains("5 optimizer steps in a row", e.Message);
        Assert.Contains("checkpoint step 7", e.Message);

        var stage = SftRecipes.StageDirectory(recipe);
        Assert.False(File.Exists(Path.Combine(stage, StageFolder.CompleteFileName)), "a diverged stage must not be marked complete");
        Assert.Equal([7L], CheckpointStore.ListSteps(stage));
        var skipped = MetricsFile.Read(Path.Combine(stage, "metrics.jsonl")).Single(s => s.Name == NonFiniteStepGuard.SkippedStepsMetric).Values;
        Assert.Equal([0.0, 0, 1, 2, 3, 4, 5], skipped);
    }
}
