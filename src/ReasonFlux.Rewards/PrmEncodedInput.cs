namespace ReasonFlux.Rewards;

/// <summary>
/// The token ids of one PRM input and where to read them.
/// </summary>
/// <param name="InputIds">Token ids, already truncated.</param>
/// <param name="SegmentPositions">Where each segment that survived truncation is read, in order: one per step, then the answer when the sample has one (its separator token, or as the PRM's <c>PrmReadout</c> says). Empty for a scalar head.</param>
/// <param name="StepCount">How many of the segments are trajectory steps (the first StepCount separators).</param>
/// <param name="SegmentCount">Steps plus the answer segment: how many separators the input had before truncation.</param>
/// <param name="Truncated">True when the input was longer than the limit and its end was cut.</param>
public sealed record PrmEncodedInput(int[] InputIds, int[] SegmentPositions, int StepCount, int SegmentCount, bool Truncated)
{
    /// <summary>Index of the last real token.</summary>
    public int LastPosition => InputIds.Length - 1;

    /// <summary>Positions a two-class readout gathers: every separator, then the last token.</summary>
    public int[] ReadPositions => [.. SegmentPositions, LastPosition];

    /// <summary>
    /// The first token of each segment in <see cref="SegmentPositions"/> (a PRM whose head reads a step's lowest token
    /// likelihood reads it from there to the read position); null when the readout needs none.
    /// </summary>
    public int[]? SegmentStarts { get; init; }

    /// <summary>The first token of each window <see cref="ReadPositions"/> reads: the segments', then the last token itself; null as <see cref="SegmentStarts"/>.</summary>
    public int[]? ReadStarts => SegmentStarts is null ? null : [.. SegmentStarts, LastPosition];
}
