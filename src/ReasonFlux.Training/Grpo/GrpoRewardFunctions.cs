using ReasonFlux.Recipes.Options;

namespace ReasonFlux.Training.Grpo;

/// <summary>The scalar rewards of a batch of completions: the outcome judge's and the weighted extras' sum.</summary>
public sealed record ScalarRewards(double[] Outcome, double[] Extra);

/// <summary>
/// Scores completions with the outcome judge and the recipe's extra reward functions.
/// </summary>
public sealed class GrpoRewardFunctions(GrpoRewardOptions options) : IDisposable
{
    /// <summary>Failures, time-outs and unusable outputs so far (each scored reward.on_error).</summary>
    public long Errors { get; private set; }

    public ScalarRewards Score(IReadOnlyList<(string Response, string Answer, int Tokens)> items)
    {
        var outcome = items.Select(i => OutcomeReward.Score(options.Outcome, i.Response, i.Answer)).ToArray();
        return new ScalarRewards(outcome, new double[items.Count]);
    }

    /// <summary>Per-step metrics given the errors of the step.</summary>
    public IReadOnlyDictionary<string, double> StepMetrics(long errors) => new Dictionary<string, double>();

    public void Dispose() { }
}
