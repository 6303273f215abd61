using ReasonFlux.Recipes.Options;
using ReasonFlux.Rewards;
using ReasonFlux.Torch;
using ReasonFlux.Training.Common;

namespace ReasonFlux.Training.Prm;

/// <summary>Builds a <see cref="PrmScorer"/> from a recipe's prm section (select, grpo reward, eval Best-of-N).</summary>
public static class PrmScorerLoader
{
    /// <summary>The scorer settings a recipe's prm section stands for: batch_size rows per forward pass, sorted by length.</summary>
    public static PrmScoringOptions ToScoringOptions(PrmScorerOptions o) => new()
    {
        Mode = o.Mode == PrmMode.ReleasedCode ? PrmScoringMode.ReleasedCode : PrmScoringMode.Paper,
        Alpha = o.Alpha,
        StepSeparator = o.StepSeparator,
        MaxTokens = o.MaxTokens,
        MaxBatchSize = o.BatchSize,
        TokenBudget = (long)o.BatchSize * o.MaxTokens,
    };

    /// <summary>
    /// Where the PRM of a prm section runs: its device key (<paramref name="key"/>, e.g. reward.prm.device) as
    /// written; auto: <paramref name="modelDevice"/>, the stage's policy's device, or, in a stage without one
    /// (select), this rank's GPU when libtorch has CUDA, else the CPU.
    /// </summary>
    public static Device DeviceOf(PrmScorerOptions options, string key, int localRank, Device? modelDevice = null) =>
        ModelResolver.DeviceOf(options.Device, localRank, key, auto: modelDevice);

    /// <summary>Loads the PRM a prm section names (prm.path must be set) onto <paramref name="device"/>.</summary>
    /// <param name="options">The recipe's prm section.</param>
    /// <param name="device">Where the PRM runs (<see cref="DeviceOf"/>).</param>
    /// <param name="workDirectory">Where a builtin:NAME model is written; default the temp folder.</param>
    public static PrmScorer Load(PrmScorerOptions options, Device device, string? workDirectory = null)
    {
        if (string.IsNullOrEmpty(options.Path)) throw new ArgumentException("prm.path is not set: there is no PRM to load");
        var dir = ModelResolver.Materialize(options.Path, workDirectory ?? Path.GetTempPath(), seed: 0);
        return PrmScorer.Load(dir, ToScoringOptions(options), ModelResolver.ToScalarType(options.Dtype), device);
    }
}
