namespace ReasonFlux.Rewards;

/// <summary>
/// Groups sequences into forward passes: longest first (so rows of similar length share a batch and padding
/// stays small), each batch filled while rows × longest row stays within the token budget.
/// </summary>
public static class LengthBatches
{
    /// <returns>Batches of indexes into <paramref name="lengths"/>; a sequence longer than the budget runs alone.</returns>
    public static List<int[]> Plan(IReadOnlyList<int> lengths, long tokenBudget, int maxBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenBudget, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        var order = Enumerable.Range(0, lengths.Count).OrderByDescending(i => lengths[i]).ThenBy(i => i).ToArray();
        var batches = new List<int[]>();
        var current = new List<int>();
        int longest = 0;
        foreach (var i in order)
        {
            int width = Math.Max(longest, lengths[i]);
            if (current.Count > 0 && (current.Count == maxBatchSize || (long)(current.Count + 1) * width > tokenBudget))
            {
                batches.Add([.. current]);
                current.Clear();
                width = lengths[i];
            }
            current.Add(i);
            longest = width;
        }
        if (current.Count > 0) batches.Add([.. current]);
        return batches;
    }
}
