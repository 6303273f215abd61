using ReasonFlux.PrmData.Embeddings;

namespace ReasonFlux.PrmData.Components;

/// <summary>Per-step alignment: the cosine of each trajectory step to its best-matching response step, and which step that was.</summary>
public sealed record AlignmentResult(double[] Cosine, int[] BestMatch);

/// <summary>
/// r_t^align = max_j cos(Φ(s_t), Φ(a_j)) (reasonflux-prm.md §3.1 item 1). The summaries write sim(Φ(s_t), Φ(a_t)),
/// but the trajectory has T steps and the response M ≠ T, so the best-match form [S3] is the computable one.
/// </summary>
public static class StepAlignment
{
    public static AlignmentResult Compute(IReadOnlyList<float[]> trajectorySteps, IReadOnlyList<float[]> responseSteps)
    {
        ArgumentNullException.ThrowIfNull(trajectorySteps);
        ArgumentNullException.ThrowIfNull(responseSteps);
        if (responseSteps.Count == 0) throw new ArgumentException("alignment needs at least one response step");
        var cos = new double[trajectorySteps.Count];
        var best = new int[trajectorySteps.Count];
        for (int t = 0; t < trajectorySteps.Count; t++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < responseSteps.Count; j++)
            {
                var c = VectorMath.Cosine(trajectorySteps[t], responseSteps[j]);
                if (c > max)
                {
                    max = c;
                    best[t] = j;
                }
            }
            cos[t] = max;
        }
        return new AlignmentResult(cos, best);
    }

    /// <summary>Maps a cosine into [0, 1] (the doc leaves the scale open; see <see cref="AlignmentScale"/>).</summary>
    public static double Scale(double cosine, AlignmentScale scale) => scale switch
    {
        AlignmentScale.Clamp => Math.Clamp(cosine, 0.0, 1.0),
        AlignmentScale.Shift => Math.Clamp((1.0 + cosine) / 2.0, 0.0, 1.0),
        _ => throw new ArgumentOutOfRangeException(nameof(scale), scale, null),
    };
}
