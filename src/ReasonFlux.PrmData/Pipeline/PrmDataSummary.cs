namespace ReasonFlux.PrmData.Pipeline;

/// <summary>Progress after each chunk of records.</summary>
public sealed record PrmDataProgress(int RecordsRead, int RecordsWritten, int StepsWritten, int QualityFailures, int TrajectoryRewardFailures);

/// <summary>What a build did, failures included.</summary>
public sealed record PrmDataSummary
{
    public int RecordsRead { get; init; }
    public int RecordsWritten { get; init; }
    public int StepsWritten { get; init; }
    /// <summary>Steps whose judge call failed or could not be parsed (fallback used, step dropped, or the run failed).</summary>
    public int QualityFailures { get; init; }
    /// <summary>Steps removed under quality.on_failure = drop.</summary>
    public int DroppedSteps { get; init; }
    public int TrajectoryRewardFailures { get; init; }
    /// <summary>Records skipped: trajectory reward failed under drop, or every step was dropped. With the reason, file:line first.</summary>
    public IReadOnlyList<string> DroppedRecords { get; init; } = [];
    /// <summary>Steps whose target under combination.input = raw fell outside [0, 1] and was clamped.</summary>
    public int ClampedTargets { get; init; }
    public double MeanStepTarget { get; init; }
    /// <summary>Mean r^final over the records that have one; null when none has.</summary>
    public double? MeanFinalTarget { get; init; }
    /// <summary>Judge counters (requests, failures, retries) at the end, or null without a judge.</summary>
    public string? Judge { get; init; }
}
