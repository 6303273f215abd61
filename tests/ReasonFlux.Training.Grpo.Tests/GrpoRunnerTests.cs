using ReasonFlux.Recipes;
using ReasonFlux.Recipes.Loading;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Runs;
using ReasonFlux.Torch;
using ReasonFlux.Training.Grpo;

namespace ReasonFlux.Training.Grpo.Tests;

/// <summary>
/// GRPO end to end on builtin:tiny with the scripted <see cref="LowercasePrm"/>: learning shows as a rising reward.
/// </summary>
[Collection("GrpoStatics")]
public sealed class GrpoRunnerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rf-grpo-" + Guid.NewGuid().ToString("N"));

    public GrpoRunnerTests() => GrpoTestKit.WriteInputs(_dir);

    public void Dispose()
    {
        Directory.Delete(_dir, true);
    }

    private string Recipe(string mode, int steps) => GrpoTestKit.Recipe(_dir, $"{_dir}/runs", steps, mode);

    private List<double> Run(string yaml)
    {
        var prm = new LowercasePrm();
        var recipe = RecipeLoader.Parse(yaml, "test.yaml");
        using var interrupt = TrainingInterrupt.CreateDetached(_ => throw new InvalidOperationException("exit"));
        var result = new RecipeRunner(new StageRunnerRegistry().Register(new GrpoRunner { ProcessRewardModelFactory = (_, _) => prm })).Run(recipe, ResumeRequest.Parse(null), interrupt, new RunSettings { Interactive = false });
        Assert.Equal(0, result.ExitCode);
        Assert.True(prm.Calls > 0);
        var metrics = MetricsFile.Read(Path.Combine(recipe.RunDirectory, "grpo", "metrics.jsonl"));
        return metrics.Single(m => m.Name == MetricNames.RewardProcess).Values.ToList();
    }

    private RunResult RunOnce(string yaml, ResumeRequest resume, TrainingInterrupt interrupt, Action<long>? stepCompleted = null)
    {
        var recipe = RecipeLoader.Parse(yaml, "test.yaml");
        var runner = new GrpoRunner { StepCompleted = stepCompleted, ProcessRewardModelFactory = (_, _) => new LowercasePrm() };
        return new RecipeRunner(new StageRunnerRegistry().Register(runner)).Run(recipe, resume, interrupt, new RunSettings { Interactive = false });
    }

    [Fact]
    public void KilledAndResumed_EndsBitIdenticalToUninterrupted()
    {
        var straight = Recipe("step", 4).Replace($"{_dir}/runs", $"{_dir}/straight");
        using (var i = TrainingInterrupt.CreateDetached(_ => throw new InvalidOperationException("exit")))
            Assert.Equal(0, RunOnce(straight, ResumeRequest.Parse(null), i).ExitCode);

        var resumed = Recipe("step", 4).Replace($"{_dir}/runs", $"{_dir}/resumed");
        using (var i = TrainingInterrupt.CreateDetached(_ => throw new InvalidOperationException("exit")))
        {
            // A stop requested as step 2 finishes: the runner saves step 2 and exits with 75.
            var first = RunOnce(resumed, ResumeRequest.Parse(null), i,
                step => { if (step == 2) i.Request(System.Runtime.InteropServices.PosixSignal.SIGTERM); });
            Assert.Equal(75, first.ExitCode);
        }
        using (var i = TrainingInterrupt.CreateDetached(_ => throw new InvalidOperationException("exit")))
            Assert.Equal(0, RunOnce(resumed, ResumeRequest.Parse("auto"), i).ExitCode);

        var a = GrpoTestKit.Weights(Path.Combine(_dir, "straight", "grpo-test", "grpo", "output"));
        var b = GrpoTestKit.Weights(Path.Combine(_dir, "resumed", "grpo-test", "grpo", "output"));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, values) in a) Assert.True(values.SequenceEqual(b[name]), $"{name} differs after resume");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void PpoEpochs_SecondPassMeasuresRatioAgainstFrozenSamplingLogProbs(int epochs)
    {
        var yaml = Recipe("step", 2).Replace("  seed: 3", $"  seed: 3\n  ppo_epochs: {epochs}");
        Assert.Contains("ppo_epochs", yaml);
        Run(yaml);
        var metrics = MetricsFile.Read(Path.Combine(_dir, "runs", "grpo-test", "grpo", "metrics.jsonl"));
        var ratio = metrics.Single(m => m.Name == "ratio_mean").Values;
        // One update per step: the sampling policy is the current one, ratio exactly 1. Two passes: the second
        // pass sees weights the first one moved, against log-probs frozen before it.
        if (epochs == 1) Assert.All(ratio, r => Assert.Equal(1.0, r, 6));
        else Assert.All(ratio, r => Assert.NotEqual(1.0, r, 6));
    }

    [Theory]
    [InlineData("step")]
    [InlineData("sequence")]
    public void ProcessRewards_RiseOverTraining(string mode)
    {
        var rewards = Run(Recipe(mode, 14));
        var early = rewards.Take(3).Average();
        var late = rewards.TakeLast(3).Average();
        Assert.True(late > early + 0.1, $"{mode}: process reward {early:F3} → {late:F3} ({string.Join(", ", rewards.Select(r => r.ToString("F2")))})");
        Assert.True(File.Exists(Path.Combine(_dir, "runs", "grpo-test", "grpo", "output", "model.safetensors")));
    }
}
