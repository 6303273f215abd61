namespace ReasonFlux.Rollout;

/// <summary>
/// A per-sequence random stream (SplitMix64), seeded from (seed, prompt, sample). Giving each sequence its own
/// stream makes sampling independent of batch composition: a sequence draws the same numbers whether it runs
/// alone or among 63 others, and whether finished neighbours have left the batch.
/// </summary>
internal struct SequenceRandom
{
    private ulong _state;

    public SequenceRandom(long seed, int prompt, int sample)
    {
        _state = Mix((ulong)seed ^ Mix((ulong)prompt * 0x9E3779B97F4A7C15UL + (ulong)sample + 1));
    }

    /// <summary>Uniform in (0, 1) with 24 bits (never 0, so a zero-probability token is never drawn), enough for float32 probabilities.</summary>
    public float NextFloat() => ((Next() >> 40) + 0.5f) * (1.0f / (1 << 24));

    private ulong Next() => Mix(_state += 0x9E3779B97F4A7C15UL);

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
