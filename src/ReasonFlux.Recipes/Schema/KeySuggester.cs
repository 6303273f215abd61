namespace ReasonFlux.Recipes.Schema;

/// <summary>Finds the closest known name to a misspelt one (optimal-string-alignment edit distance).</summary>
public static class KeySuggester
{
    /// <summary>
    /// The candidate closest to <paramref name="name"/> when it is close enough to be a plausible typo
    /// (distance at most a third of the length, minimum 1, maximum 3), else null.
    /// </summary>
    public static string? Suggest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        var normalized = Normalize(name);
        foreach (var candidate in candidates)
        {
            // "top-p" for "top_p", "TopP" for "top_p": same word, different spelling convention.
            if (Normalize(candidate) == normalized) return candidate;
            int d = Distance(name.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance)
            {
                bestDistance = d;
                best = candidate;
            }
        }
        int limit = Math.Clamp(name.Length / 3, 1, 3);
        return bestDistance <= limit ? best : null;
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps.</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                int v = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) v = Math.Min(v, d[i - 2, j - 2] + 1);
                d[i, j] = v;
            }
        }
        return d[a.Length, b.Length];
    }

    private static string Normalize(string s) => s.Replace("_", "").Replace("-", "").ToLowerInvariant();
}
