namespace PerfBench;

/// <summary>Deterministic token ids shared with reference/peer_eager.py (same formulas), so both sides do the same work.</summary>
internal static class Inputs
{
    public static int Token(long row, long t, long vocab) => (int)((row * 1009 + t * 7919 + 17) % (vocab - 8) + 4);

    public static int[] Row(long row, int length, long vocab)
    {
        var ids = new int[length];
        for (int t = 0; t < length; t++) ids[t] = Token(row, t, vocab);
        return ids;
    }

    /// <summary>Item i has seq/2 + (i·37 mod seq/2) tokens.</summary>
    public static int[] PrmLengths(int items, int seq)
    {
        int half = seq / 2;
        return Enumerable.Range(0, items).Select(i => half + i * 37 % half).ToArray();
    }

    /// <summary><paramref name="steps"/> separator positions spread evenly (the last token is read as well).</summary>
    public static int[] PrmSeparators(int length, int steps) =>
        Enumerable.Range(0, steps).Select(k => (k + 1) * length / (steps + 1)).ToArray();
}
