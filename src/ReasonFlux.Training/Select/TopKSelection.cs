namespace ReasonFlux.Training.Select;

/// <summary>Ranks scores best first; equal scores keep input order (a stable sort), NaN ranks last.</summary>
public static class TopKSelection
{
    /// <returns>Every index, best first.</returns>
    public static int[] Rank(IReadOnlyList<double> scores) =>
        Enumerable.Range(0, scores.Count)
            .OrderByDescending(i => double.IsNaN(scores[i]) ? double.NegativeInfinity : scores[i])
            .ThenBy(i => i)
            .ToArray();

    /// <summary>The indexes of exactly the <paramref name="k"/> best scores, best first.</summary>
    public static int[] Select(IReadOnlyList<double> scores, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (k > scores.Count)
            throw new InvalidDataException($"top_k is {k} but the pool has only {scores.Count} records: lower top_k");
        return Rank(scores)[..k];
    }
}
