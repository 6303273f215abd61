namespace ReasonFlux.Rewards;

/// <summary>The paper's inference-time reward (Eq. 11, §3.5): r̂ = (1/T) Σ_t r̂_t^step + α · r̂^final.</summary>
public static class TrajectoryScore
{
    public static double Combine(IReadOnlyList<double> stepScores, double finalScore, double alpha)
    {
        ArgumentNullException.ThrowIfNull(stepScores);
        if (stepScores.Count == 0) throw new ArgumentException("a trajectory score needs at least one step score", nameof(stepScores));
        double sum = 0;
        foreach (var s in stepScores) sum += s;
        return sum / stepScores.Count + alpha * finalScore;
    }
}
