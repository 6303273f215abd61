using ReasonFlux.Grading.Metrics;

namespace ReasonFlux.Training.Eval;

/// <summary>Aggregates per-problem results into pass@k, maj@k and Best-of-N accuracies.</summary>
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
