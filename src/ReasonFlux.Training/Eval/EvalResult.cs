using ReasonFlux.Grading;
using ReasonFlux.Grading.Datasets;
using ReasonFlux.Rollout;
using ReasonFlux.Runs;

namespace ReasonFlux.Training.Eval;

/// <summary>One graded sample of a problem.</summary>
/// <param name="Index">Sample index within the problem (0-based; Best-of-N@n uses samples 0..n-1).</param>
/// <param name="Text">The response text.</param>
/// <param name="Extracted">The final answer taken from the response, or null.</param>
/// <param name="Correct">Whether the grader judged it correct.</param>
/// <param name="Reason">Why it got that grade.</param>
/// <param name="FinishReason">Stop or Length (truncated at max_new_tokens).</param>
/// <param name="TokenCount">Generated tokens.</param>
/// <param name="PrmScore">The scorer's score when Best-of-N ran, else null.</param>
public sealed record SampleResult(int Index, string Text, string? Extracted, bool Correct, GradeReason Reason,
    FinishReason FinishReason, int TokenCount, double? PrmScore);

/// <summary>All samples of one problem with its majority vote and Best-of-N choice.</summary>
/// <param name="Item">The benchmark item.</param>
/// <param name="Samples">The K samples in order.</param>
/// <param name="MajorityAnswer">The answer most of the K samples gave (null when none gave one).</param>
/// <param name="MajorityCorrect">maj@K for this problem.</param>
/// <param name="BestOfNIndex">The sample the scorer picked among the first N (Best-of-N at the largest N), or null without a scorer.</param>
/// <param name="WeightedMajorityAnswer">The PRM-weighted majority answer among the first N, or null (no scorer, or no answers).</param>
/// <param name="WeightedMajorityCorrect">Whether that answer is correct; null without a scorer.</param>
public sealed record ProblemResult(BenchmarkItem Item, IReadOnlyList<SampleResult> Samples, string? MajorityAnswer, bool MajorityCorrect, int? BestOfNIndex,
    string? WeightedMajorityAnswer = null, bool? WeightedMajorityCorrect = null)
{
    /// <summary>Samples judged correct.</summary>
    public int CorrectCount => Samples.Count(s => s.Correct);
}

/// <summary>The outcome of one evaluation: per-problem results, the metrics and timing.</summary>
public sealed record EvalResult
{
    /// <summary>The model evaluated (its folder or spec).</summary>
    public required string Model { get; init; }

    /// <summary>Benchmark name ("math500", a file's stem).</summary>
    public required string Benchmark { get; init; }

    public required EvalSettings Settings { get; init; }

    /// <summary>Samples drawn per problem (K).</summary>
    public required int SamplesPerProblem { get; init; }

    public required IReadOnlyList<ProblemResult> Problems { get; init; }

    /// <summary>Unbiased pass@k (Chen et al.) averaged over problems, for k = 1, 2, 4, … up to K.</summary>
    public required IReadOnlyDictionary<int, double> PassAtK { get; init; }

    /// <summary>maj@k (majority vote over the first k samples) averaged over problems, for the same k.</summary>
    public required IReadOnlyDictionary<int, double> MajorityAtK { get; init; }

    /// <summary>Best-of-N accuracy by the scorer for N = 1, 2, 4, … up to the Best-of-N size; null without a scorer.</summary>
    public IReadOnlyDictionary<int, double>? BestOfN { get; init; }

    /// <summary>PRM-weighted majority accuracy for N = 1, 2, 4, … up to the Best-of-N size; null without a scorer.</summary>
    public IReadOnlyDictionary<int, double>? WeightedMajority { get; init; }

    /// <summary>pass@1 per domain (GPQA: Physics, Chemistry, Biology); empty when the items have no domain.</summary>
    public IReadOnlyList<DomainAccuracy> Domains { get; init; } = [];

    /// <summary>What scored Best-of-N (e.g. the PRM folder), or null.</summary>
    public string? Scorer { get; init; }

    /// <summary>Mean generated tokens per sample.</summary>
    public required double MeanResponseTokens { get; init; }

    /// <summary>Fraction of samples cut at max_new_tokens.</summary>
    public required double TruncationRate { get; init; }

    /// <summary>Generated tokens in total.</summary>
    public required long GeneratedTokens { get; init; }

    /// <summary>Time spent generating.</summary>
    public required TimeSpan GenerationTime { get; init; }

    /// <summary>Time of the whole evaluation (rendering, generation, grading, scoring).</summary>
    public required TimeSpan WallTime { get; init; }

    /// <summary>pass@1 averaged over the K samples: the headline accuracy.</summary>
    public double PassAt1 => PassAtK[1];

    /// <summary>Generated tokens per second of generation time.</summary>
    public double TokensPerSecond => GenerationTime.TotalSeconds > 0 ? GeneratedTokens / GenerationTime.TotalSeconds : 0;

    /// <summary>
    /// The metrics as a flat dictionary for metrics.jsonl/TensorBoard: accuracy (= pass@1), accuracy/DOMAIN, pass@k, maj@k, bon@n, prm_maj@n,
    /// response_length/mean, response_length/clipped_ratio, perf/tokens_per_s, time/eval_s; every key prefixed by
    /// <paramref name="prefix"/> (use <see cref="MetricPrefix"/> for "eval/BENCHMARK/").
    /// </summary>
    public IReadOnlyDictionary<string, double> ToMetrics(string prefix = "")
    {
        var m = new Dictionary<string, double> { [prefix + MetricNames.Accuracy] = PassAt1 };
        foreach (var (k, v) in PassAtK) m[$"{prefix}pass@{k}"] = v;
        foreach (var (k, v) in MajorityAtK) m[$"{prefix}maj@{k}"] = v;
        if (BestOfN is not null) foreach (var (n, v) in BestOfN) m[$"{prefix}bon@{n}"] = v;
        if (WeightedMajority is not null) foreach (var (n, v) in WeightedMajority) m[$"{prefix}prm_maj@{n}"] = v;
        foreach (var d in Domains) m[$"{prefix}{MetricNames.Accuracy}/{d.Key}"] = d.PassAt1;
        m[prefix + MetricNames.ResponseLengthMean] = MeanResponseTokens;
        m[prefix + MetricNames.ResponseClippedRatio] = TruncationRate;
        m[prefix + MetricNames.TokensPerSecond] = TokensPerSecond;
        m[prefix + "time/eval_s"] = WallTime.TotalSeconds;
        return m;
    }

    /// <summary>"eval/BENCHMARK/", the prefix of evaluation metrics inside training runs.</summary>
    public string MetricPrefix => MetricNames.EvalPrefix + Benchmark + "/";
}
