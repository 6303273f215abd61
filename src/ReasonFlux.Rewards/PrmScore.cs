namespace ReasonFlux.Rewards;

/// <summary>The PRM's verdict on one response.</summary>
public sealed record PrmScore
{
    /// <summary>
    /// Paper mode: P(class 1) at each trajectory step's separator (r̂_t^step). Released-code mode: the single
    /// last-token probability. Scalar head: the single reward.
    /// </summary>
    public required IReadOnlyList<double> StepScores { get; init; }

    /// <summary>r̂_final (paper mode, per <see cref="FinalScoreReadout"/>); equals <see cref="Score"/> in the other modes.</summary>
    public required double FinalScore { get; init; }

    /// <summary>r̂: mean(step scores) + α · final in paper mode; the single probability or reward otherwise.</summary>
    public required double Score { get; init; }

    /// <summary>The input was cut at the PRM's length limit; steps past the cut have no score.</summary>
    public bool Truncated { get; init; }

    /// <summary>Where each scored step lies in the response text (paper mode on a response; null otherwise).</summary>
    public IReadOnlyList<TextSpan>? StepSpans { get; init; }
}
