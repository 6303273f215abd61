using ReasonFlux.Recipes.Options;
using ReasonFlux.Rewards;
using ReasonFlux.Torch;
using ReasonFlux.Training.Common;

namespace ReasonFlux.Training.Prm;

/// <summary>Builds a <see cref="PrmScorer"/> from a recipe's prm section (select, grpo reward, eval Best-of-N).</summary>
public static class PrmScorerLoader
{
    /// <summary>Environment variable that places the frozen PRM on a device ("cpu", "cuda:1").</summary>
    public const string DeviceVariable = "REASONFLUX_PRM_DEVICE";

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
    /// The PRM's own device: <see cref="DeviceVariable"/> when set; else the last GPU when there are several (the
    /// policy trains on GPU 0); else the training device.
    /// </summary>
    public static Device DefaultDevice()
    {
        var env = Environment.GetEnvironmentVariable(DeviceVariable);
        if (!string.IsNullOrWhiteSpace(env)) return Device.Parse(env);
        if (torch.cuda.is_available() && torch.cuda.device_count() > 1) return Device.CUDA(torch.cuda.device_count() - 1);
        return ModelResolver.TrainingDevice();
    }

    /// <summary>Loads the PRM a prm section names (prm.path must be set).</summary>
    /// <param name="options">The recipe's prm section.</param>
    /// <param name="device">Where the PRM runs; default <see cref="DefaultDevice"/>.</param>
    /// <param name="workDirectory">Where a builtin:NAME model is written; default the temp folder.</param>
    public static PrmScorer Load(PrmScorerOptions options, Device? device = null, string? workDirectory = null)
    {
        if (string.IsNullOrEmpty(options.Path)) throw new ArgumentException("prm.path is not set: there is no PRM to load");
        var dir = ModelResolver.Materialize(options.Path, workDirectory ?? Path.GetTempPath(), seed: 0);
        return PrmScorer.Load(dir, ToScoringOptions(options), ModelResolver.ToScalarType(options.Dtype), device ?? DefaultDevice());
    }
}
