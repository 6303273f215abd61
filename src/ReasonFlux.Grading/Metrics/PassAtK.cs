namespace ReasonFlux.Grading.Metrics;

/// <summary>
/// pass@k metrics. <see cref="Estimate"/> is the unbiased estimator of Chen et al. (2021),
/// 1 − C(n−c, k) / C(n, k), computed as a running product so large n does not overflow.
/// </summary>
public static class PassAtK
{
    /// <summary>Probability that at least one of k samples drawn without replacement from n (c correct) is correct.</summary>
    public static double Estimate(int n, int c, int k)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "need at least one sample");
        if (c < 0 || c > n) throw new ArgumentOutOfRangeException(nameof(c), c, $"correct count must be in [0, {n}]");
        if (k < 1 || k > n) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, {n}]");
        if (n - c < k) return 1.0;
        // C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i)
        double ratio = 1.0;
        for (int i = n - c + 1; i <= n; i++) ratio *= 1.0 - (double)k / i;
        return 1.0 - ratio;
    }

    /// <summary>pass@k averaged over problems, each given as (samples, correct).</summary>
    public static double Mean(IEnumerable<(int Samples, int Correct)> problems, int k)
    {
        double sum = 0;
        int count = 0;
        foreach (var (n, c) in problems)
        {
            sum += Estimate(n, c, k);
            count++;
        }
        if (count == 0) throw new ArgumentException("no problems", nameof(problems));
        return sum / count;
    }

    /// <summary>pass@1 averaged over K samples per problem (the fraction of correct samples), then over problems.</summary>
    public static double MeanPassAt1(IEnumerable<IReadOnlyList<bool>> correctnessPerProblem) =>
        Mean(correctnessPerProblem.Select(s => (s.Count, s.Count(x => x))), 1);
}
