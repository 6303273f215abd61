using ReasonFlux.PrmData.Embeddings;

namespace ReasonFlux.PrmData.Components;

/// <summary>
/// Contrastive coherence (reasonflux-prm.md §3.1 item 3):
/// r_t^coh = log[ exp(sim(Φ(s_{t−1}), Φ(s_t))/τ) / Σ_{s'∈N} exp(sim(Φ(s_{t−1}), Φ(s'))/τ) ],
/// with sim the cosine, N negatives drawn (seeded) from other trajectories and, by default, the positive s_t
/// itself in the denominator set, which makes r_t^coh the log-probability of the true successor (≤ 0).
/// </summary>
public sealed class StepCoherence
{
    private readonly CoherenceOptions _options;

    public StepCoherence(CoherenceOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _options.Validate();
    }

    /// <summary>The InfoNCE log-ratio for one anchor (previous step), its true successor and the negatives.</summary>
    public static double InfoNce(float[] previous, float[] successor, IReadOnlyList<float[]> negatives, double temperature, bool includePositive)
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be > 0");
        var logits = new List<double>(negatives.Count + 1);
        double positive = VectorMath.Cosine(previous, successor) / temperature;
        if (includePositive) logits.Add(positive);
        foreach (var n in negatives) logits.Add(VectorMath.Cosine(previous, n) / temperature);
        if (logits.Count == 0) throw new ArgumentException("InfoNCE needs at least one negative when the positive is not in the denominator");
        return positive - VectorMath.LogSumExp(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(logits));
    }

    /// <summary>exp(r_coh) in [0, 1]: the contrastive probability of the true successor (clamped when the positive is outside the denominator).</summary>
    public static double Scale(double logRatio) => Math.Clamp(Math.Exp(logRatio), 0.0, 1.0);

    /// <summary>
    /// r_t^coh for every step of one trajectory: null for step 1 under <see cref="FirstStepContext.Skip"/>,
    /// otherwise step 1 is anchored on the problem embedding. Negatives for (record, step) are drawn from
    /// <paramref name="pool"/> with a stream keyed by (seed, <paramref name="recordKey"/>, step).
    /// </summary>
    public double?[] Compute(float[]? problem, IReadOnlyList<float[]> steps, NegativePool pool, int trajectory, string? problemGroup, long recordKey)
    {
        var result = new double?[steps.Count];
        for (int t = 0; t < steps.Count; t++)
        {
            float[]? previous = t > 0 ? steps[t - 1] : _options.FirstStep == FirstStepContext.Problem
                ? problem ?? throw new ArgumentException("coherence.first_step = problem needs the problem embedding")
                : null;
            if (previous is null) continue;
            var random = SeededRandom.For(_options.Seed, recordKey, t);
            var negatives = pool.Draw(trajectory, _options.ExcludeSameProblem ? problemGroup : null, _options.NumNegatives, random);
            result[t] = InfoNce(previous, steps[t], negatives, _options.Temperature, _options.IncludePositive);
        }
        return result;
    }
}
