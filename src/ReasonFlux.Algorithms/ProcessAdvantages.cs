namespace ReasonFlux.Algorithms;

/// <summary>One completion's step rewards and where each step ends among its tokens.</summary>
/// <param name="StepEndTokens">Index (into the completion's tokens) of the last token of each step, ascending.</param>
/// <param name="StepRewards">The reward of each step (e.g. a frozen PRM's P(correct) at that step).</param>
public sealed record StepRewards(int TokenCount, IReadOnlyList<int> StepEndTokens, IReadOnlyList<double> StepRewardValues)
{
    public void Validate()
    {
        if (StepEndTokens.Count != StepRewardValues.Count)
            throw new ArgumentException($"{StepEndTokens.Count} step ends but {StepRewardValues.Count} step rewards");
        for (int j = 0; j < StepEndTokens.Count; j++)
        {
            if (StepEndTokens[j] < 0 || StepEndTokens[j] >= TokenCount)
                throw new ArgumentException($"step {j} ends at token {StepEndTokens[j]}, outside the completion's {TokenCount} tokens");
            if (j > 0 && StepEndTokens[j] < StepEndTokens[j - 1]) throw new ArgumentException("step ends must be ascending");
        }
    }
}

/// <summary>
/// Process-supervised GRPO (DeepSeekMath §4.1.3): all step rewards of a prompt's G completions are normalised
/// together, r̃ = (r − mean(R)) / (std(R) + ε), and a token's advantage is the sum of the normalised rewards of the
/// steps that end at or after it, Â_{i,t} = Σ_{end(j) ≥ t} r̃_{i,j}. Early tokens answer for every step they led to;
/// a flawed step lowers its own tokens and those before it, never the steps after it. Tokens after the last step
/// end (none, when the last step closes the completion) get 0.
/// </summary>
public static class ProcessAdvantages
{
    /// <param name="completions">G consecutive completions per prompt.</param>
    /// <returns>Per completion, one advantage per token.</returns>
    public static double[][] Compute(IReadOnlyList<StepRewards> completions, int groupSize, bool stdNormalize = true, double epsilon = 1e-6)
    {
        if (completions.Count % groupSize != 0) throw new ArgumentException($"{completions.Count} completions do not split into groups of {groupSize}");
        foreach (var c in completions) c.Validate();
        var result = new double[completions.Count][];
        for (int g = 0; g < completions.Count; g += groupSize)
        {
            var all = new List<double>();
            for (int i = g; i < g + groupSize; i++) all.AddRange(completions[i].StepRewardValues);
            var (mean, std) = all.Count == 0 ? (0.0, 1.0) : GroupAdvantages.MeanStd(all, 0, all.Count);
            if (all.Count < 2) std = 1.0;
            for (int i = g; i < g + groupSize; i++)
            {
                var c = completions[i];
                var adv = new double[c.TokenCount];
                double suffix = 0;
                int j = c.StepEndTokens.Count - 1;
                // Walk backwards: a token's advantage is the running sum of the steps ending at or after it.
                for (int t = c.TokenCount - 1; t >= 0; t--)
                {
                    while (j >= 0 && c.StepEndTokens[j] >= t)
                    {
                        var r = c.StepRewardValues[j] - mean;
                        suffix += stdNormalize ? r / (std + epsilon) : r;
                        j--;
                    }
                    adv[t] = suffix;
                }
                result[i] = adv;
            }
        }
        return result;
    }
}
