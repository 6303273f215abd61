namespace ReasonFlux.Grading;

/// <summary>
/// The grade of one response. <see cref="Extracted"/> is the raw final answer taken from the response
/// (before normalisation), or null when none was found.
/// </summary>
public readonly record struct GradeResult(bool Equal, string? Extracted, GradeReason Reason)
{
    /// <summary>1.0 when equal, else 0.0: the outcome reward.</summary>
    public double Score => Equal ? 1.0 : 0.0;
}
