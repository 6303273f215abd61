namespace ReasonFlux.Algorithms;

/// <summary>
/// GRPO's outcome advantage: each completion's reward relative to the other completions of its prompt,
/// A_i = (r_i − mean_group) / (std_group + ε) with the unbiased std (verl's compute_grpo_outcome_advantage),
/// or r_i − mean_group without the division (Dr.GRPO). A group of one has mean 0 and std 1, as in verl.
/// </summary>
public static class GroupAdvantages
{
    /// <param name="rewards">G consecutive rewards per prompt.</param>
    public static double[] Compute(IReadOnlyList<double> rewards, int groupSize, bool stdNormalize = true, double epsilon = 1e-6)
    {
        if (groupSize < 1) throw new ArgumentOutOfRangeException(nameof(groupSize), groupSize, "group size must be >= 1");
        if (rewards.Count % groupSize != 0) throw new ArgumentException($"{rewards.Count} rewards do not split into groups of {groupSize}");
        var result = new double[rewards.Count];
        for (int g = 0; g < rewards.Count; g += groupSize)
        {
            var (mean, std) = groupSize == 1 ? (0.0, 1.0) : MeanStd(rewards, g, groupSize);
            for (int i = g; i < g + groupSize; i++)
                result[i] = stdNormalize ? (rewards[i] - mean) / (std + epsilon) : rewards[i] - mean;
        }
        return result;
    }

    /// <summary>Fraction of groups whose rewards are all equal (they carry no learning signal).</summary>
    public static double ZeroStdFraction(IReadOnlyList<double> rewards, int groupSize)
    {
        int groups = rewards.Count / groupSize, flat = 0;
        for (int g = 0; g < rewards.Count; g += groupSize)
            if (MeanStd(rewards, g, groupSize).Std == 0) flat++;
        return groups == 0 ? 0 : (double)flat / groups;
    }

    internal static (double Mean, double Std) MeanStd(IReadOnlyList<double> x, int start, int count)
    {
        double mean = 0;
        for (int i = start; i < start + count; i++) mean += x[i];
        mean /= count;
        if (count < 2) return (mean, 0);
        double ss = 0;
        for (int i = start; i < start + count; i++) ss += (x[i] - mean) * (x[i] - mean);
        return (mean, Math.Sqrt(ss / (count - 1)));
    }
}
