using ReasonFlux.Runs;
using ReasonFlux.Training.Grpo;

namespace ReasonFlux.Training.Grpo.Tests;

/// <summary>Dynamic sampling (DAPO) and the overlong filter and penalty.</summary>
[Collection("GrpoStatics")]
public sealed class GrpoSamplingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rf-grpo-sampling-" + Guid.NewGuid().ToString("N"));

    public GrpoSamplingTests() => GrpoTestKit.WriteInputs(_dir);

    public void Dispose()
    {
        Directory.Delete(_dir, true);
    }

    /// <summary>Scores every step 0.5 for problems ending in an even digit (flat groups), else like <see cref="LowercasePrm"/>.</summary>
    private sealed class FlatForEvenPrm : IProcessRewardModel
    {
        private readonly LowercasePrm _inner = new();

        public IReadOnlyList<ProcessScore> Score(IReadOnlyList<(string Problem, IReadOnlyList<string> Steps)> items) =>
            items.Select(item => (item.Problem[^1] - '0') % 2 == 0
                ? new ProcessScore(item.Steps.Select(_ => 0.5).ToArray(), 0.5)
                : _inner.Score([item])[0]).ToArray();

        public void Dispose() { }
    }

    private string Recipe(string name, int steps) => GrpoTestKit.Recipe(_dir, $"{_dir}/{name}", steps);

    [Fact]
    public void DynamicSampling_DropsFlatGroups_SamplesMorePrompts_AndCompletes()
    {
        var stage = GrpoTestKit.Run(Recipe("dyn", 3), new FlatForEvenPrm(), "rollout.dynamic_sampling=true", "rollout.max_sampling_rounds=4");
        var m = GrpoTestKit.Metrics(stage);
        Assert.Equal([1L, 2L, 3L], m[GrpoRollouts.SamplingRoundsMetric].Steps);
        for (int s = 0; s < 3; s++)
        {
            double rounds = m[GrpoRollouts.SamplingRoundsMetric].Values[s], prompts = m[GrpoRollouts.SamplingPromptsMetric].Values[s];
            double kept = m[GrpoRollouts.KeptGroupsMetric].Values[s], flat = m[MetricNames.FracRewardZeroStd].Values[s] * prompts;
            Assert.Equal(2 * rounds, prompts);
            Assert.Equal(Math.Min(2, prompts - flat), kept, 9);
            // More rounds only while the batch is not full, and never more than max_sampling_rounds.
            Assert.True(rounds == 4 || kept == 2, $"step {s + 1}: {rounds} rounds, {kept} groups kept");
            if (rounds > 1) Assert.True(prompts - 2 - flat < 2, "a round was sampled although the batch was already full");
        }
        Assert.True(m[GrpoRollouts.SamplingPromptsMetric].Values.Sum() > 6, "no extra prompts were ever sampled");
    }

    [Fact]
    public void DynamicSampling_AllGroupsFlat_SkipsTheUpdate()
    {
        var stage = GrpoTestKit.Run(Recipe("flat", 2), new LowercasePrm(), "reward.process_weight=0", "reward.outcome_weight=1", "rollout.dynamic_sampling=true");
        var m = GrpoTestKit.Metrics(stage);
        Assert.Equal([3.0, 3.0], m[GrpoRollouts.SamplingRoundsMetric].Values); // the default bound
        Assert.Equal([0.0, 0.0], m[GrpoRollouts.KeptGroupsMetric].Values);
        Assert.False(m.ContainsKey(MetricNames.Loss));
        Assert.True(File.Exists(Path.Combine(stage, "output", "model.safetensors")));
    }

    [Fact]
    public void Overlong_FilterMasksTruncated_PenaltyFollowsTheRamp()
    {
        const string varied = "rollout.stop=[a, e, i, o, u, t, n, s, r, h, l, d]";
        var none = GrpoTestKit.Run(Recipe("none", 1), varied);
        var filter = GrpoTestKit.Run(Recipe("filter", 1), varied, "reward.overlong.mode=filter");
        var mf = GrpoTestKit.Metrics(filter);
        var clipped = mf[MetricNames.ResponseClippedRatio].Values.Single();
        Assert.InRange(clipped, 0.01, 0.99);
        Assert.Equal(clipped, mf[GrpoRollouts.OverlongFilteredMetric].Values.Single());
        Assert.False(GrpoTestKit.SameWeights(Path.Combine(none, "output"), Path.Combine(filter, "output")));

        // A ramp as long as the budget: the penalty is −length / max_new_tokens for every completion.
        var penalty = GrpoTestKit.Metrics(GrpoTestKit.Run(Recipe("penalty", 1), varied, "reward.overlong.mode=penalty", "reward.overlong.buffer_tokens=12"));
        Assert.Equal(-penalty[MetricNames.ResponseLengthMean].Values.Single() / 12, penalty[GrpoRollouts.OverlongRewardMetric].Values.Single(), 9);
    }
}
