namespace ReasonFlux.Rewards;

/// <summary>
/// The token ids of one PRM input and where to read them.
/// </summary>
/// <param name="InputIds">Token ids, already truncated.</param>
/// <param name="SeparatorPositions">Indexes of the separator tokens that survived truncation, in order: one per step, then one after the answer when the sample has one. Empty for a scalar head.</param>
/// <param name="StepCount">How many of the segments are trajectory steps (the first StepCount separators).</param>
/// <param name="SegmentCount">Steps plus the answer segment: how many separators the input had before truncation.</param>
/// <param name="Truncated">True when the input was longer than the limit and its end was cut.</param>
public sealed record PrmEncodedInput(int[] InputIds, int[] SeparatorPositions, int StepCount, int SegmentCount, bool Truncated)
{
    /// <summary>Index of the last real token.</summary>
    public int LastPosition => InputIds.Length - 1;

    /// <summary>Positions a two-class readout gathers: every separator, then the last token.</summary>
    public int[] ReadPositions => [.. SeparatorPositions, LastPosition];
}
