namespace ReasonFlux.PrmData.Components;

/// <summary>
/// r_t^step = Σ_k softmax(r_t^align, r_t^qual, r_t^coh)_k · r_t^k (reasonflux-prm.md §3.1 item 4): the weights are a
/// softmax over the component values themselves, no learned or fixed weight. Components a step lacks (a
/// disabled one, coherence of step 1 under "skip") are left out of both the softmax and the sum.
/// </summary>
public static class StepRewardCombiner
{
    /// <summary>softmax(values), computed stably; the weights sum to 1.</summary>
    public static double[] SoftmaxWeights(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no component values to combine");
        if (values.Any(v => !double.IsFinite(v))) throw new ArgumentException($"component values must be finite, got [{string.Join(", ", values)}]");
        double max = values.Max();
        var w = new double[values.Count];
        double sum = 0;
        for (int k = 0; k < w.Length; k++) sum += w[k] = Math.Exp(values[k] - max);
        for (int k = 0; k < w.Length; k++) w[k] /= sum;
        return w;
    }

    /// <summary>Σ_k softmax(values)_k · values_k, with the weights used.</summary>
    public static double Combine(IReadOnlyList<double> values, out double[] weights)
    {
        weights = SoftmaxWeights(values);
        double r = 0;
        for (int k = 0; k < weights.Length; k++) r += weights[k] * values[k];
        return r;
    }
}
