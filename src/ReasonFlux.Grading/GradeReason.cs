namespace ReasonFlux.Grading;

/// <summary>Why a response received its grade.</summary>
public enum GradeReason
{
    /// <summary>The extracted answer is equivalent to the gold answer.</summary>
    Equivalent,
    /// <summary>An answer was extracted and compared, and it differs from the gold answer.</summary>
    NotEquivalent,
    /// <summary>No final answer could be found (no box, no "Answer:" line, ...).</summary>
    NoAnswer,
    /// <summary>The final \boxed{ is never closed (truncated output): no answer, no fallback to an earlier box.</summary>
    UnterminatedBox,
    /// <summary>A &lt;think&gt; block is never closed (the output was cut off while reasoning): no answer.</summary>
    UnfinishedThinking,
    /// <summary>The comparison ran past its time or work budget and counts as not equal.</summary>
    Timeout,
    /// <summary>The gold answer is empty.</summary>
    EmptyGold,
}
