using ReasonFlux.Runs;
using ReasonFlux.Training.Grpo;

namespace ReasonFlux.Training.Grpo.Tests;

/// <summary>
/// The memory budgets change how the work is batched, never its result: rollout.max_kv_tokens splits generation
/// into more batches with the same completions, training.max_tokens_per_micro_batch splits the update into passes
/// by tokens with the same loss and gradient.
/// </summary>
[Collection("GrpoStatics")]
public sealed class GrpoMemoryBudgetTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rf-grpo-budget-" + Guid.NewGuid().ToString("N"));

    public GrpoMemoryBudgetTests() => GrpoTestKit.WriteInputs(_dir);

    public void Dispose()
    {
        Directory.Delete(_dir, true);
    }

    // Completions of different lengths, so a token budget groups rows unevenly.
    private const string VariedLengths = "rollout.stop=[a, e, i, o, u, t, n, s, r, h, l, d]";

    private Dictionary<string, MetricSeries> RunOneStep(string name, params string[] overrides) =>
        GrpoTestKit.Metrics(GrpoTestKit.Run(GrpoTestKit.Recipe(_dir, $"{_dir}/{name}", 1), [VariedLengths, .. overrides]));

    private static double Single(Dictionary<string, MetricSeries> m, string name) => m[name].Values.Single();

    [Fact]
    public void KvTokenBudget_SplitsGenerationIntoBatches_WithTheSameCompletions()
    {
        var whole = RunOneStep("kv-whole");
        // 64 prompt tokens + 12 new: exactly one row's cache, so every row is a batch of its own.
        var split = RunOneStep("kv-split", "rollout.max_kv_tokens=76");
        Assert.Equal(1, Single(whole, GrpoRollouts.EngineBatchesMetric));
        Assert.Equal(16, Single(split, GrpoRollouts.EngineBatchesMetric));
        Assert.Equal(Single(whole, MetricNames.ResponseLengthMean), Single(split, MetricNames.ResponseLengthMean));
        Assert.Equal(Single(whole, MetricNames.Reward), Single(split, MetricNames.Reward));
        Assert.Equal(Single(whole, MetricNames.Loss), Single(split, MetricNames.Loss), 6);
    }

    [Fact]
    public void TokenBudgetMicroBatches_GiveTheLossAndGradientOfFixedSizeMicroBatches()
    {
        var fixedSize = RunOneStep("fixed", "training.micro_batch_size=8");
        var budget = RunOneStep("budget", "training.micro_batch_size=1", "training.max_tokens_per_micro_batch=90");
        Assert.Equal(2, Single(fixedSize, GrpoUpdate.MicroBatchesMetric));
        Assert.InRange(Single(budget, GrpoUpdate.MicroBatchesMetric), 3, 15);
        foreach (var aggregation in new[] { MetricNames.Loss, MetricNames.GradNorm, MetricNames.Entropy })
            Assert.Equal(Single(fixedSize, aggregation), Single(budget, aggregation), 5);
        var sequence = RunOneStep("fixed-seq", "training.micro_batch_size=8", "algorithm.loss_aggregation=sequence");
        var sequenceBudget = RunOneStep("budget-seq", "training.micro_batch_size=1", "training.max_tokens_per_micro_batch=90", "algorithm.loss_aggregation=sequence");
        Assert.Equal(Single(sequence, MetricNames.Loss), Single(sequenceBudget, MetricNames.Loss), 5);
        Assert.Equal(Single(sequence, MetricNames.GradNorm), Single(sequenceBudget, MetricNames.GradNorm), 5);
    }
}
