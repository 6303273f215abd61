namespace ReasonFlux.Runs;

/// <summary>
/// Shows how far a stage is: a live bar on an interactive terminal (<see cref="LiveProgress"/>), plain
/// structured log lines otherwise (<see cref="LogProgress"/>). Trainers call <see cref="Update"/> each step.
/// </summary>
public interface ITrainingProgress : IDisposable
{
    /// <summary>Starts reporting a stage that runs steps <paramref name="firstStep"/>..<paramref name="totalSteps"/>.</summary>
    void Start(string stage, long totalSteps, long firstStep);

    /// <summary>Reports that <paramref name="step"/> finished with these metrics.</summary>
    void Update(long step, IReadOnlyDictionary<string, double> metrics);

    /// <summary>The stage ended (completed or interrupted).</summary>
    void Finish();
}

/// <summary>Estimates time to completion from the steps done since this process started the stage.</summary>
public sealed class EtaEstimator
{
    private readonly Func<TimeSpan> _now;
    private TimeSpan _start;
    private long _firstStep;
    private long _total;

    public EtaEstimator(Func<TimeSpan>? now = null)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        _now = now ?? (() => watch.Elapsed);
    }

    /// <summary>Starts timing; <paramref name="firstStep"/> is the first step this process runs.</summary>
    public void Start(long firstStep, long totalSteps)
    {
        _start = _now();
        _firstStep = firstStep;
        _total = totalSteps;
    }

    /// <summary>Remaining time after <paramref name="step"/> finished; null before the first step completes.</summary>
    public TimeSpan? Remaining(long step)
    {
        long done = step - _firstStep + 1;
        if (done <= 0) return null;
        var perStep = (_now() - _start) / done;
        return perStep * Math.Max(0, _total - step);
    }

    /// <summary>"1h02m", "3m05s", "42s".</summary>
    public static string Format(TimeSpan? t)
    {
        if (t is not { } v) return "?";
        if (v.TotalHours >= 1) return $"{(int)v.TotalHours}h{v.Minutes:00}m";
        if (v.TotalMinutes >= 1) return $"{v.Minutes}m{v.Seconds:00}s";
        return $"{v.Seconds}s";
    }
}

/// <summary>The few metrics shown on one progress line, in <see cref="MetricNames.Main"/> order.</summary>
internal static class ProgressText
{
    public static string Metrics(IReadOnlyDictionary<string, double> metrics)
    {
        var parts = new List<string>();
        foreach (var name in new[] { MetricNames.Reward, MetricNames.Accuracy, MetricNames.Loss, MetricNames.Kl })
            if (metrics.TryGetValue(name, out var v)) parts.Add($"{name} {Format(v)}");
        return string.Join("  ", parts);
    }

    public static string Format(double v) =>
        !double.IsFinite(v) ? v.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : Math.Abs(v) >= 1000 || (Math.Abs(v) < 1e-3 && v != 0) ? v.ToString("0.###e0", System.Globalization.CultureInfo.InvariantCulture)
        : v.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
}
