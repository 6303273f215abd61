using ReasonFlux.Grading;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Rollout;

namespace ReasonFlux.Training.Eval;

/// <summary>How an evaluation samples and scores.</summary>
public sealed record EvalSettings
{
    /// <summary>Samples per problem (K): pass@k is reported for k = 1, 2, 4, … up to K, and maj@k alike.</summary>
    public int SamplesPerProblem { get; init; } = 1;

    /// <summary>Sampling parameters; empty stop tokens mean the model's own. The seed makes runs repeatable.</summary>
    public SamplingParams Sampling { get; init; } = new() { Temperature = 0, TopP = 1, MaxNewTokens = 4096 };

    /// <summary>System turn; null: <see cref="EvalPrompts.DefaultSystemPrompt"/> for the item's task; "": no system turn.</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>How a response is judged correct.</summary>
    public OutcomeGrader Grader { get; init; } = OutcomeGrader.MathEquivalence;

    /// <summary>Options of the math-equivalence grader (time limit, lenient fallback).</summary>
    public GradingOptions? GradingOptions { get; init; }

    /// <summary>
    /// Largest N for Best-of-N (reported for N = 1, 2, 4, … up to this) when a scorer is given; 0: up to the samples
    /// per problem. More samples are drawn when this exceeds <see cref="SamplesPerProblem"/>.
    /// </summary>
    public int BestOfN { get; init; }

    /// <summary>Samples actually drawn per problem: the larger of <see cref="SamplesPerProblem"/> and <see cref="BestOfN"/>.</summary>
    public int EffectiveSamples => Math.Max(SamplesPerProblem, BestOfN);

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (SamplesPerProblem < 1) throw new ArgumentOutOfRangeException(nameof(SamplesPerProblem), SamplesPerProblem, "samples per problem (n) must be >= 1");
        if (BestOfN < 0) throw new ArgumentOutOfRangeException(nameof(BestOfN), BestOfN, "best-of-n must be >= 0");
        Sampling.Validate();
    }

    /// <summary>The settings of a recipe's eval stage: n samples, best_of_n, sampling, seed, system turn and grader.</summary>
    public static EvalSettings FromOptions(EvalOptions options) => new()
    {
        SamplesPerProblem = options.N,
        BestOfN = options.BestOfN > 1 ? options.BestOfN : 0,
        Sampling = ToSamplingParams(options.Sampling, options.Seed),
        SystemPrompt = options.SystemPrompt,
        Grader = options.Grader,
    };

    /// <summary>The settings of periodic evaluation inside GRPO (math equivalence grading).</summary>
    public static EvalSettings FromOptions(GrpoEvalOptions options, long seed) => new()
    {
        SamplesPerProblem = options.N,
        Sampling = ToSamplingParams(options.Sampling, seed),
    };

    /// <summary>A recipe's sampling section as engine parameters.</summary>
    public static SamplingParams ToSamplingParams(SamplingOptions sampling, long seed) => new()
    {
        Temperature = sampling.Temperature,
        TopP = sampling.TopP,
        TopK = sampling.TopK,
        MaxNewTokens = sampling.MaxNewTokens,
        Seed = seed,
    };
}
