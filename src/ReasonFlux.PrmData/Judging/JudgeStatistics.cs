namespace ReasonFlux.PrmData.Judging;

/// <summary>Thread-safe counters of a judge's traffic, so no failure goes unreported.</summary>
public sealed class JudgeStatistics
{
    private long _requests, _succeeded, _failed, _retries;

    /// <summary>Requests answered (successfully or not).</summary>
    public long Requests => Interlocked.Read(ref _requests);
    public long Succeeded => Interlocked.Read(ref _succeeded);
    /// <summary>Requests that failed after all retries.</summary>
    public long Failed => Interlocked.Read(ref _failed);
    /// <summary>Attempts repeated after a 429, a 5xx, a network error or a timeout.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    internal void Record(JudgeReply reply)
    {
        Interlocked.Increment(ref _requests);
        if (reply.Succeeded) Interlocked.Increment(ref _succeeded);
        else Interlocked.Increment(ref _failed);
    }

    internal void RecordRetry() => Interlocked.Increment(ref _retries);

    public override string ToString() => $"{Requests} requests, {Succeeded} ok, {Failed} failed, {Retries} retries";
}
