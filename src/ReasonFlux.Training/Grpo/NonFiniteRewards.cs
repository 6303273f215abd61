namespace ReasonFlux.Training.Grpo;

/// <summary>
/// Non-finite rewards (a PRM with NaN weights, a reward command printing "nan") are masked rather than trained on.
/// A NaN inside a group would turn every group mate's advantage into NaN through the group mean and std, so a
/// bad score is first replaced by the mean of the finite scores of its group (it then moves the normalisation
/// as little as possible); the sequence itself is later taken out of the loss and counted.
/// </summary>
public static class NonFiniteRewards
{
    /// <summary>Metric: sequences of the step masked out of the loss for a non-finite reward or advantage.</summary>
    public const string Metric = "train/nonfinite_rewards";

    /// <summary>Marks completions with a non-finite outcome or process score and replaces those scores in place (process entries by new records).</summary>
    public static bool[] Repair(double[] outcome, ProcessScore[]? process, int groupSize)
    {
        int n = outcome.Length;
        var bad = new bool[n];
        for (int i = 0; i < n; i++)
            bad[i] = !double.IsFinite(outcome[i])
                || (process is not null && (!double.IsFinite(process[i].TrajectoryScore) || process[i].StepScores.Any(s => !double.IsFinite(s))));
        if (!bad.Any(b => b)) return bad;
        for (int start = 0; start < n; start += groupSize)
        {
            int end = Math.Min(n, start + groupSize);
            double outcomeMean = FiniteMean(Enumerable.Range(start, end - start).Select(i => outcome[i]));
            double processMean = process is null ? 0 : FiniteMean(Enumerable.Range(start, end - start).Select(i => process[i].TrajectoryScore));
            for (int i = start; i < end; i++)
            {
                if (!bad[i]) continue;
                if (!double.IsFinite(outcome[i])) outcome[i] = outcomeMean;
                if (process is not null)
                    process[i] = new ProcessScore(process[i].StepScores.Select(s => double.IsFinite(s) ? s : processMean).ToArray(),
                        double.IsFinite(process[i].TrajectoryScore) ? process[i].TrajectoryScore : processMean);
            }
        }
        return bad;
    }

    /// <summary>Takes out of the loss (zero advantages, InLoss false) every sequence marked bad or with a non-finite advantage; returns how many.</summary>
    public static int Mask(GrpoSequence[] sequences, bool[] bad)
    {
        int masked = 0;
        for (int i = 0; i < sequences.Length; i++)
        {
            var s = sequences[i];
            if (!bad[i] && s.Advantages.All(float.IsFinite)) continue;
            sequences[i] = s with { Advantages = new float[s.Advantages.Length], InLoss = false };
            masked++;
        }
        return masked;
    }

    private static double FiniteMean(IEnumerable<double> values)
    {
        double sum = 0;
        int count = 0;
        foreach (var v in values)
            if (double.IsFinite(v)) { sum += v; count++; }
        return count == 0 ? 0 : sum / count;
    }
}
