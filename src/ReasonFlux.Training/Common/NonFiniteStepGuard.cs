using System.Text.Json.Nodes;
using ReasonFlux.Runs;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Common;

/// <summary>
/// The optimizer step every trainer takes through: clip the gradients, then step only when the loss and the
/// gradient norm are finite. A non-finite step is skipped (gradients dropped, weights and optimizer moments
/// untouched) and counted; training.max_consecutive_skips skips in a row end the stage with
/// <see cref="TrainingDivergedException"/> (exit code 3). One NaN batch must not poison the weights, and a
/// run that only produces NaN must not keep writing NaN checkpoints and then report success.
/// </summary>
public sealed class NonFiniteStepGuard
{
    /// <summary>Metric: optimizer steps skipped so far in this stage (carried across resumes).</summary>
    public const string SkippedStepsMetric = "train/skipped_steps";

    private const string SkippedKey = "skipped_steps";
    private const string ConsecutiveKey = "consecutive_skips";

    private readonly int _maxConsecutiveSkips;
    private readonly Action<IReadOnlyList<Tensor>>? _gradientFault;

    /// <param name="maxConsecutiveSkips">training.max_consecutive_skips.</param>
    /// <param name="gradientFault">Test hook run on the parameters after backward, before clipping (fault injection: a NaN gradient).</param>
    public NonFiniteStepGuard(int maxConsecutiveSkips, Action<IReadOnlyList<Tensor>>? gradientFault = null)
    {
        if (maxConsecutiveSkips < 1) throw new ArgumentOutOfRangeException(nameof(maxConsecutiveSkips), "must be at least 1");
        _maxConsecutiveSkips = maxConsecutiveSkips;
        _gradientFault = gradientFault;
    }

    /// <summary>Steps skipped in this stage.</summary>
    public long SkippedSteps { get; private set; }

    /// <summary>Skips since the last step that was taken.</summary>
    public int ConsecutiveSkips { get; private set; }

    /// <summary>Whether any step was taken by this process (otherwise the weights are still those it started from).</summary>
    public bool TookAnyStep { get; private set; }

    /// <summary>True once <see cref="ConsecutiveSkips"/> reached training.max_consecutive_skips: the stage must stop.</summary>
    public bool Exhausted => ConsecutiveSkips >= _maxConsecutiveSkips;

    /// <summary>
    /// Clips the gradients of <paramref name="parameters"/> to <paramref name="maxGradNorm"/> and steps
    /// <paramref name="optimizer"/> at <paramref name="learningRate"/>, unless <paramref name="loss"/> or the norm is
    /// not finite. Returns the norm before clipping and whether the step was taken. Gradients are zeroed when skipped.
    /// </summary>
    public (double GradNorm, bool Stepped) Step(StageOptimizer optimizer, IReadOnlyList<Tensor> parameters, double loss, double maxGradNorm, double learningRate)
    {
        _gradientFault?.Invoke(parameters);
        double norm = optimizer.ClipGradNorm(maxGradNorm);
        if (double.IsFinite(loss) && double.IsFinite(norm))
        {
            optimizer.Step(learningRate);
            ConsecutiveSkips = 0;
            TookAnyStep = true;
            return (norm, true);
        }
        optimizer.ZeroGrad();
        SkippedSteps++;
        ConsecutiveSkips++;
        return (norm, false);
    }

    /// <summary>The error that ends the stage once <see cref="Exhausted"/>; <paramref name="saved"/> says where the last good state is.</summary>
    public TrainingDivergedException Diverged(string stage, long step, string saved) =>
        new($"{stage}: the loss or gradient norm was not finite for {ConsecutiveSkips} optimizer steps in a row (up to step {step}; training.max_consecutive_skips is {_maxConsecutiveSkips}); those steps were skipped and {saved}. Lower optimizer.lr, check the data, or resume from that checkpoint");

    /// <summary>Adds the counters to a checkpoint's trainer state.</summary>
    public void Save(JsonObject state)
    {
        state[SkippedKey] = SkippedSteps;
        state[ConsecutiveKey] = ConsecutiveSkips;
    }

    /// <summary>Restores the counters from a checkpoint's trainer state (absent in older checkpoints: zero).</summary>
    public void Restore(JsonObject state)
    {
        SkippedSteps = state[SkippedKey]?.GetValue<long>() ?? 0;
        ConsecutiveSkips = state[ConsecutiveKey]?.GetValue<int>() ?? 0;
    }
}
