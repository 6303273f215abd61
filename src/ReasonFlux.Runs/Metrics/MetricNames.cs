namespace ReasonFlux.Runs;

/// <summary>
/// Metric names trainers should use, so plots, progress and TensorBoard agree across stages. Names follow
/// TRL/verl conventions ('/' groups related curves in TensorBoard). Any other name is accepted too.
/// </summary>
public static class MetricNames
{
    public const string Reward = "reward";
    public const string RewardStd = "reward_std";
    public const string RewardOutcome = "reward/outcome";
    public const string RewardProcess = "reward/process";
    public const string FracRewardZeroStd = "frac_reward_zero_std";
    public const string Accuracy = "accuracy";
    public const string Loss = "loss";
    public const string PolicyLoss = "policy_loss";
    public const string Kl = "kl";
    public const string Entropy = "entropy";
    public const string ClipRatio = "clip_ratio";
    public const string ResponseLengthMean = "response_length/mean";
    public const string ResponseLengthMax = "response_length/max";
    public const string ResponseClippedRatio = "response_length/clipped_ratio";
    public const string GradNorm = "grad_norm";
    public const string LearningRate = "lr";
    public const string StepTimeSeconds = "time/step_s";
    public const string TokensPerSecond = "perf/tokens_per_s";

    /// <summary>Prefix of evaluation metrics: "eval/BENCHMARK/accuracy".</summary>
    public const string EvalPrefix = "eval/";

    /// <summary>The curves plotted first and shown in the progress bar, in this order.</summary>
    public static readonly IReadOnlyList<string> Main = [Reward, Accuracy, Kl, ResponseLengthMean, Loss];
}
