namespace ReasonFlux.PrmData.Embeddings;

/// <summary>Similarity of embedding vectors, accumulated in double.</summary>
public static class VectorMath
{
    /// <summary>cos(a, b) = a·b / (|a||b|); 0 when either vector is zero (no direction to compare).</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"vectors differ in length: {a.Length} vs {b.Length}");
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        var denom = Math.Sqrt(na) * Math.Sqrt(nb);
        return denom > 0 ? Math.Clamp(dot / denom, -1.0, 1.0) : 0.0;
    }

    /// <summary>log Σ exp(x_i), stable.</summary>
    public static double LogSumExp(ReadOnlySpan<double> x)
    {
        if (x.Length == 0) throw new ArgumentException("log-sum-exp of an empty set");
        double max = double.NegativeInfinity;
        foreach (var v in x) max = Math.Max(max, v);
        if (double.IsNegativeInfinity(max)) return max;
        double sum = 0;
        foreach (var v in x) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }
}
