using ReasonFlux.Grading.Metrics;

namespace ReasonFlux.Training.Eval;

/// <summary>pass@1 over the problems of one domain (GPQA's "High-level domain").</summary>
public sealed record DomainAccuracy(string Domain, int Problems, double PassAt1)
{
    /// <summary>The metric-name form: lower case, spaces as underscores ("physics").</summary>
    public string Key => Domain.Trim().ToLowerInvariant().Replace(' ', '_');
}

/// <summary>Aggregates per-problem results into pass@k, maj@k, Best-of-N, PRM-weighted majority and per-domain accuracies.</summary>
public static class EvalMetrics
{
    /// <summary>1, 2, 4, … (powers of two) up to <paramref name="max"/>, plus <paramref name="max"/> itself.</summary>
    public static IReadOnlyList<int> Ladder(int max)
    {
        if (max < 1) throw new ArgumentOutOfRangeException(nameof(max), max, "must be >= 1");
        var ks = new List<int>();
        for (int k = 1; k < max; k *= 2) ks.Add(k);
        ks.Add(max);
        return ks;
    }

    /// <summary>Unbiased pass@k averaged over problems for every k of <see cref="Ladder"/>(K).</summary>
    public static IReadOnlyDictionary<int, double> PassAtKLadder(IReadOnlyList<ProblemResult> problems, int samplesPerProblem) =>
        Ladder(samplesPerProblem).ToDictionary(k => k, k => PassAtK.Mean(problems.Select(p => (p.Samples.Count, p.CorrectCount)), k));

    /// <summary>maj@k averaged over problems for every k of <see cref="Ladder"/>(K), voting over the first k samples.</summary>
    public static IReadOnlyDictionary<int, double> MajorityLadder(IReadOnlyList<ProblemResult> problems, int samplesPerProblem, OutcomeJudge judge) =>
        Ladder(samplesPerProblem).ToDictionary(k => k, k => problems.Average(p =>
            judge.Majority(p.Item, p.Samples.Select(s => s.Extracted).ToList(), k).Correct ? 1.0 : 0.0));

    /// <summary>
    /// PRM-weighted majority averaged over problems for every N of <see cref="Ladder"/>(<paramref name="maxN"/>): among the
    /// first N samples, answers are clustered by the judge's equivalence and the cluster with the largest sum of PRM scores
    /// wins (Math-Shepherd's and Uesato et al.'s weighted voting).
    /// </summary>
    public static IReadOnlyDictionary<int, double> WeightedMajorityLadder(IReadOnlyList<ProblemResult> problems, int maxN, OutcomeJudge judge) =>
        Ladder(maxN).ToDictionary(n => n, n => problems.Average(p =>
        {
            var scores = p.Samples.Select(s => s.PrmScore ?? throw new InvalidOperationException($"problem {p.Item.Id}: sample {s.Index} has no score")).ToList();
            return judge.WeightedMajority(p.Item, p.Samples.Select(s => s.Extracted).ToList(), scores, n).Correct ? 1.0 : 0.0;
        }));

    /// <summary>pass@1 (mean over samples) per <see cref="Grading.Datasets.BenchmarkItem.Domain"/>, in name order; empty when no item has one.</summary>
    public static IReadOnlyList<DomainAccuracy> ByDomain(IReadOnlyList<ProblemResult> problems) =>
        problems.Where(p => p.Item.Domain is not null)
            .GroupBy(p => p.Item.Domain!, StringComparer.OrdinalIgnoreCase)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => new DomainAccuracy(g.Key, g.Count(), g.Average(p => (double)p.CorrectCount / p.Samples.Count)))
            .ToList();

    /// <summary>
    /// Best-of-N averaged over problems for every N of <see cref="Ladder"/>(<paramref name="maxN"/>): among the first N
    /// samples, the one with the highest score is graded (ties go to the earliest; NaN never wins).
    /// </summary>
    public static IReadOnlyDictionary<int, double> BestOfNLadder(IReadOnlyList<ProblemResult> problems, int maxN) =>
        Ladder(maxN).ToDictionary(n => n, n => problems.Average(p =>
        {
            var scores = p.Samples.Select(s => s.PrmScore ?? throw new InvalidOperationException($"problem {p.Item.Id}: sample {s.Index} has no score")).ToList();
            return BestOfN.IsCorrect(scores, p.Samples.Select(s => s.Correct).ToList(), n) ? 1.0 : 0.0;
        }));
}
