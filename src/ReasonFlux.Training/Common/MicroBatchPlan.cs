namespace ReasonFlux.Training.Common;

/// <summary>
/// How one optimizer step's sequences are split into forward/backward passes. A fixed count takes them in order;
/// a token budget (training.max_tokens_per_micro_batch) sorts them longest first and packs each pass while
/// sequences × longest length (the padded tensor) stays within the budget, so short sequences share a pass and
/// padding shrinks. The trainers normalise the loss over the whole step, so the split never changes the gradient.
/// </summary>
public static class MicroBatchPlan
{
    /// <summary>Indices into <paramref name="lengths"/>, one array per micro-batch; every index exactly once.</summary>
    /// <remarks>A sequence longer than the budget gets a pass of its own (it cannot be split).</remarks>
    public static IReadOnlyList<int[]> Split(IReadOnlyList<int> lengths, int microBatchSize, int? maxTokensPerMicroBatch)
    {
        if (microBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(microBatchSize), microBatchSize, "must be at least 1");
        var plan = new List<int[]>();
        if (maxTokensPerMicroBatch is not { } budget)
        {
            for (int start = 0; start < lengths.Count; start += microBatchSize)
                plan.Add(Enumerable.Range(start, Math.Min(microBatchSize, lengths.Count - start)).ToArray());
            return plan;
        }
        if (budget < 1) throw new ArgumentOutOfRangeException(nameof(maxTokensPerMicroBatch), budget, "must be at least 1");
        var order = Enumerable.Range(0, lengths.Count).OrderByDescending(i => lengths[i]).ThenBy(i => i).ToArray();
        var current = new List<int>();
        long longest = 0;
        foreach (var i in order)
        {
            long width = Math.Max(longest, lengths[i]);
            if (current.Count > 0 && (current.Count + 1) * width > budget)
            {
                plan.Add(current.ToArray());
                current.Clear();
                width = lengths[i];
            }
            current.Add(i);
            longest = width;
        }
        if (current.Count > 0) plan.Add(current.ToArray());
        return plan;
    }
}
