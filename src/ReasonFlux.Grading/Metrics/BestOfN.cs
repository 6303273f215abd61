namespace ReasonFlux.Grading.Metrics;

/// <summary>Best-of-N: pick the sample a scorer (a reward model or PRM) likes best and grade that one.</summary>
public static class BestOfN
{
    /// <summary>Index of the highest score among the first <paramref name="n"/>; ties go to the earliest; NaN never wins.</summary>
    public static int Select(IReadOnlyList<double> scores, int? n = null)
    {
        int count = n ?? scores.Count;
        if (count < 1 || count > scores.Count) throw new ArgumentOutOfRangeException(nameof(n), n, $"n must be in [1, {scores.Count}]");
        int best = -1;
        for (int i = 0; i < count; i++)
        {
            if (double.IsNaN(scores[i])) continue;
            if (best < 0 || scores[i] > scores[best]) best = i;
        }
        return best < 0 ? 0 : best;
    }

    /// <summary>Whether the selected sample is correct.</summary>
    public static bool IsCorrect(IReadOnlyList<double> scores, IReadOnlyList<bool> correct, int? n = null)
    {
        if (scores.Count != correct.Count) throw new ArgumentException($"{scores.Count} scores for {correct.Count} samples");
        return correct[Select(scores, n)];
    }
}
