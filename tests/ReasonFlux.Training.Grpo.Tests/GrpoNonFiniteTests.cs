using ReasonFlux.Models;
using ReasonFlux.Recipes.Loading;
using ReasonFlux.Runs;
using ReasonFlux.Torch;
using ReasonFlux.Training.Common;
using ReasonFlux.Training.Grpo;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Grpo.Tests;

/// <summary>GRPO must not train on NaN: skipped updates are counted, and a run that only produces NaN stops with exit code 3.</summary>
[Collection("GrpoStatics")]
public sealed class GrpoNonFiniteTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rf-grpo-nan-" + Guid.NewGuid().ToString("N"));

    public GrpoNonFiniteTests() => GrpoTestKit.WriteInputs(_dir);

    public void Dispose()
    {
        Directory.Delete(_dir, true);
    }

    [Fact]
    public void Run_FromNanWeights_StopsWithDivergedWithoutMarkingTheStageComplete()
    {
        // builtin:tiny with every weight NaN: losses and gradient norms are NaN from the first update.
        var tiny = ModelResolver.Materialize("builtin:tiny", Path.Combine(_dir, "work"), 3);
        var nanModel = Path.Combine(_dir, "nan-model");
        using (var lm = LanguageModel.Load(tiny, ScalarType.Float32, Device.CPU))
        {
            using (no_grad())
                foreach (var p in lm.Model.parameters()) p.fill_(double.NaN);
            lm.Save(nanModel, ScalarType.Float32);
        }
        var yaml = GrpoTestKit.Recipe(_dir, $"{_dir}/runs", steps: 8).Replace("path: builtin:tiny", $"path: {nanModel}");
        var recipe = RecipeLoader.Parse(yaml, "test.yaml", ["training.max_consecutive_skips=2"]);
        using var interrupt = TrainingInterrupt.CreateDetached(_ => throw new InvalidOperationException("exit"));
        var runner = new RecipeRunner(new StageRunnerRegistry().Register(new GrpoRunner { ProcessRewardModelFactory = (_, _) => new LowercasePrm() }));

        var e = Assert.Throws<TrainingDivergedException>(() => runner.Run(recipe, ResumeRequest.Parse(null), interrupt, new RunSettings { Interactive = false }));
        Assert.Contains("grpo", e.Message);
        Assert.Contains("no update succeeded", e.Message);
        var stage = Path.Combine(recipe.RunDirectory, "grpo");
        Assert.False(File.Exists(Path.Combine(stage, StageFolder.CompleteFileName)));
        Assert.Empty(CheckpointStore.ListSteps(stage));
        var skipped = GrpoTestKit.Metrics(stage)[NonFiniteStepGuard.SkippedStepsMetric].Values;
        Assert.Equal([1.0, 2.0], skipped);
    }

    [Fact]
    public void Rewards_NonFiniteScores_AreRepairedForTheGroupAndMaskedOutOfTheLoss()
    {
        double[] outcome = [1, double.NaN, 0, 1, 0, 0, 1, 1];
        ProcessScore[] process =
        [
            new([0.5], 0.5), new([0.5], 0.5), new([double.PositiveInfinity], 0.2), new([0.4], 0.4),
            new([0.1], 0.1), new([0.2], 0.2), new([0.3], 0.3), new([0.4], 0.4),
        ];
        var bad = NonFiniteRewards.Repair(outcome, process, groupSize: 4);
        Assert.Equal([false, true, true, false, false, false, false, false], bad);
        Assert.Equal(2.0 / 3, outcome[1], 12); // the mean of the finite outcomes of its group
        Assert.Equal((0.5 + 0.5 + 0.2 + 0.4) / 4, process[2].StepScores[0], 12);
        Assert.All(outcome, o => Assert.True(double.IsFinite(o)));

        var sequences = Enumerable.Range(0, 8).Select(i => new GrpoSequence([1], [2, 3], [i == 5 ? float.NaN : 0.5f, 0.5f], [0, 0])).ToArray();
        Assert.Equal(3, NonFiniteRewards.Mask(sequences, bad));
        Assert.Equal([true, false, false, true, true, false, true, true], sequences.Select(s => s.InLoss));
        Assert.All(sequences.Where(s => !s.InLoss), s => Assert.All(s.Advantages, a => Assert.Equal(0f, a)));
    }
}
