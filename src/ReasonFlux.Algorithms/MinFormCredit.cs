namespace ReasonFlux.Algorithms;

/// <summary>
/// PURE's min-form credit assignment (Cheng et al. 2025, "Stop Summation"): step rewards r_j of one completion
/// become r*_j = r_j · softmax(−r/T)_j. Summed as returns, Σ_j r*_j tends to min_j r_j as T → 0 (and to the
/// mean as T → ∞), so a completion is worth its weakest step instead of the sum of its steps, which a policy
/// can inflate by splitting its answer into more steps.
/// </summary>
public static class MinFormCredit
{
    public static double[] Transform(IReadOnlyList<double> rewards, double temperature)
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be > 0");
        if (rewards.Count == 0) return [];
        // Shift by the minimum before exp so small temperatures cannot overflow.
        double min = rewards.Min();
        var w = rewards.Select(r => Math.Exp(-(r - min) / temperature)).ToArray();
        double sum = w.Sum();
        return rewards.Select((r, j) => r * w[j] / sum).ToArray();
    }
}
