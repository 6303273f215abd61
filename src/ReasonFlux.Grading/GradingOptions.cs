namespace ReasonFlux.Grading;

/// <summary>
/// Knobs for the points where the reference graders disagree. The defaults are the RL-safe choices
/// documented in README.md; every instance is immutable and safe to share between threads.
/// </summary>
public sealed record GradingOptions
{
    /// <summary>The defaults: 2 s per comparison, no lenient fallback, no interval-gold vs inequality-prediction.</summary>
    public static readonly GradingOptions Default = new();

    /// <summary>Wall-clock limit for one comparison; past it the answer counts as not equal.</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>When no answer marker exists (box, "Answer:", "the answer is"), fall back to the last LaTeX
    /// math span ($...$, \(...\), \[...\]) and then the last number, as Qwen and Math-Verify do when evaluating
    /// plain-text models. Off by default: as an RL reward it pays for merely mentioning the right value
    /// (PrimeIntellect-ai/verifiers PR #1028).</summary>
    public bool LenientFallback { get; init; }

    /// <summary>Accept an inequality prediction for an interval gold (x ≥ 2 for [2, ∞)). Off by default
    /// (Math-Verify's anti-reward-hacking asymmetry); inequality gold vs interval prediction is always accepted.</summary>
    public bool AllowSetRelationComparison { get; init; }

    /// <summary>Letters accepted as choices for <see cref="GradingTask.Choice"/> (default A-J).</summary>
    public string ChoiceLetters { get; init; } = "ABCDEFGHIJ";
}
