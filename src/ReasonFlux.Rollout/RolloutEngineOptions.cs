namespace ReasonFlux.Rollout;

/// <summary>Batching limits of the rollout engine.</summary>
public sealed record RolloutEngineOptions
{
    /// <summary>Upper bound on batch × (longest prompt + max_new_tokens): the KV cache and activations scale with it.</summary>
    public long MaxBatchTokens { get; init; } = 1 << 16;

    /// <summary>Upper bound on sequences decoded together.</summary>
    public int MaxBatchSize { get; init; } = 64;

    /// <summary>
    /// Finished sequences leave the batch (their KV cache rows are dropped) once at least this fraction of the
    /// rows has finished: compaction copies the cache, so doing it after every single finish would cost more
    /// than it saves.
    /// </summary>
    public double CompactionFraction { get; init; } = 0.125;
}
