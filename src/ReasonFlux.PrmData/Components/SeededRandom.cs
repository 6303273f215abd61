namespace ReasonFlux.PrmData.Components;

/// <summary>
/// Random streams keyed by (seed, a, b) through SplitMix64, so a draw depends only on its key: the same record
/// and step get the same negatives whatever the chunking or thread timing. (HashCode is randomized per process
/// and cannot be used for this.)
/// </summary>
internal static class SeededRandom
{
    public static Random For(long seed, long a, long b)
    {
        ulong x = Mix((ulong)seed ^ 0x9E3779B97F4A7C15UL);
        x = Mix(x ^ (ulong)a);
        x = Mix(x ^ ((ulong)b * 0xBF58476D1CE4E5B9UL));
        return new Random((int)(x ^ (x >> 32)));
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
