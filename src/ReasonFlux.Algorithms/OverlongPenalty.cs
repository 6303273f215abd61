namespace ReasonFlux.Algorithms;

/// <summary>
/// DAPO's soft overlong punishment (§3.4): with budget L and ramp B, a response of |y| tokens gets 0 while
/// |y| ≤ L − B and −penalty · (|y| − (L − B)) / B beyond, reaching −penalty at L. (Responses longer than L cannot
/// occur here: generation stops at L.)
/// </summary>
public static class OverlongPenalty
{
    public static double Of(int length, int maxNewTokens, int bufferTokens, double penalty)
    {
        if (bufferTokens < 1 || bufferTokens > maxNewTokens) throw new ArgumentOutOfRangeException(nameof(bufferTokens), bufferTokens, $"must be in [1, {maxNewTokens}]");
        int free = maxNewTokens - bufferTokens;
        return length <= free ? 0 : -penalty * Math.Min(length - free, bufferTokens) / bufferTokens;
    }
}
