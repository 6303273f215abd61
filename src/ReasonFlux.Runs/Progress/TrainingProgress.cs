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

    /// <summary>True for a display redrawn in place (a live bar), which may be updated often; false for log lines,
    /// which callers with many small steps should pace (<see cref="ProgressPace"/>).</summary>
    bool IsLive => false;
}

/// <summary>
/// When a caller with many small steps (an evaluation's samples) should report: each time another
/// <c>fraction</c> of the total is done, when <c>interval</c> has passed since the last report, and at the end.
/// With the defaults a log gets about ten lines, not one per sample.
/// </summary>
public sealed class ProgressPace
{
    private readonly long _total;
    private readonly long _stride;
    private readonly TimeSpan _interval;
    private readonly Func<TimeSpan> _now;
    private long _nextStep;
    private TimeSpan _lastReport;

    /// <param name="total">Steps in all (≥ 1).</param>
    /// <param name="fraction">Report every this fraction of <paramref name="total"/> (0.1: every 10 %).</param>
    /// <param name="interval">Also report when this much time has passed since the last report; null: never by time.</param>
    /// <param name="now">Clock (tests); default a stopwatch started here.</param>
    public ProgressPace(long total, double fraction, TimeSpan? interval = null, Func<TimeSpan>? now = null)
    {
        if (total < 1) throw new ArgumentOutOfRangeException(nameof(total), total, "must be >= 1");
        if (!(fraction > 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "must be in (0, 1]");
        _total = total;
        _stride = Math.Max(1, (long)Math.Ceiling(total * fraction));
        _interval = interval ?? TimeSpan.MaxValue;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        _now = now ?? (() => watch.Elapsed);
        _nextStep = _stride;
        _lastReport = _now();
    }

    /// <summary>The pace for a display: a live bar may redraw at every 1 %; log lines come every 10 % or 30 s.</summary>
    public static ProgressPace For(ITrainingProgress progress, long total, Func<TimeSpan>? now = null) =>
        progress.IsLive ? new ProgressPace(total, 0.01, null, now) : new ProgressPace(total, 0.1, TimeSpan.FromSeconds(30), now);

    /// <summary>Whether to report now that <paramref name="done"/> steps are finished; advances the pace when true.</summary>
    public bool ShouldReport(long done)
    {
        var now = _now();
        bool due = done >= _total || done >= _nextStep || now - _lastReport >= _interval;
        if (!due) return false;
        while (_nextStep <= done) _nextStep += _stride;
        _lastReport = now;
        return true;
    }
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
