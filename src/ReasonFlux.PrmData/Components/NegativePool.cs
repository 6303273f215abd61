namespace ReasonFlux.PrmData.Components;

/// <summary>
/// Step embeddings of a set of trajectories from which coherence negatives are drawn: every step of every
/// trajectory except the anchor's own (and, optionally, those of the same problem).
/// </summary>
public sealed class NegativePool
{
    private readonly List<(int Trajectory, string Group, float[][] Steps)> _trajectories = [];

    /// <summary>Adds a trajectory's steps. <paramref name="group"/> identifies its problem (negatives can exclude a group).</summary>
    public void Add(int trajectory, string group, float[][] steps) => _trajectories.Add((trajectory, group, steps));

    public int TrajectoryCount => _trajectories.Count;

    /// <summary>
    /// Draws up to <paramref name="count"/> distinct steps uniformly from the eligible trajectories (all of them
    /// when fewer are eligible). Throws <see cref="InvalidOperationException"/> when none is eligible.
    /// </summary>
    public IReadOnlyList<float[]> Draw(int excludeTrajectory, string? excludeGroup, int count, Random random)
    {
        var eligible = new List<float[][]>();
        int total = 0;
        foreach (var (id, group, steps) in _trajectories)
        {
            if (id == excludeTrajectory || (excludeGroup is not null && group == excludeGroup) || steps.Length == 0) continue;
            eligible.Add(steps);
            total += steps.Length;
        }
        if (total == 0)
            throw new InvalidOperationException(
                "coherence needs negatives from other trajectories, and there are none eligible " +
                "(a single-trajectory input, or every other trajectory has the same problem with coherence.exclude_same_problem on)");
        var picks = new List<float[]>(Math.Min(count, total));
        if (total <= count)
        {
            foreach (var steps in eligible) picks.AddRange(steps);
            return picks;
        }
        // Floyd's algorithm: count distinct indices out of total, in O(count).
        var chosen = new HashSet<int>();
        for (int j = total - count; j < total; j++)
        {
            int r = random.Next(j + 1);
            chosen.Add(chosen.Contains(r) ? j : r);
        }
        foreach (var flat in chosen.OrderBy(x => x)) picks.Add(At(eligible, flat));
        return picks;
    }

    private static float[] At(List<float[][]> eligible, int flat)
    {
        foreach (var steps in eligible)
        {
            if (flat < steps.Length) return steps[flat];
            flat -= steps.Length;
        }
        throw new InvalidOperationException("negative index out of range");
    }
}
