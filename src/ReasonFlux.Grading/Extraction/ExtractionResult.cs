namespace ReasonFlux.Grading.Extraction;

/// <summary>Which rule produced an extracted answer.</summary>
public enum AnswerSource
{
    /// <summary>Nothing was extracted.</summary>
    None,
    /// <summary>The last \boxed{} / \fbox{} (with adjacent boxes joined).</summary>
    Boxed,
    /// <summary>An &lt;answer&gt;...&lt;/answer&gt; block without a box inside.</summary>
    AnswerTag,
    /// <summary>Minerva's "The final answer is X. I hope it is correct."</summary>
    FinalAnswerIs,
    /// <summary>The last "Answer: X" line.</summary>
    AnswerLine,
    /// <summary>The last "the answer is X".</summary>
    AnswerIs,
    /// <summary>The last LaTeX math span (with <see cref="GradingOptions.LenientFallback"/>, or in answer mode).</summary>
    LastMathSpan,
    /// <summary>The last whole number in the text (with <see cref="GradingOptions.LenientFallback"/>, or in answer mode).</summary>
    LastNumber,
    /// <summary>Answer mode: the whole prediction, which reads as mathematics (or is compared as text).</summary>
    WholeAnswer,
    /// <summary>A multiple-choice letter.</summary>
    ChoiceLetter,
}

/// <summary>An extracted final answer (raw text) with the rule that found it, or the reason there is none.</summary>
public readonly record struct ExtractionResult(string? Answer, AnswerSource Source, GradeReason Failure)
{
    public bool Found => Answer is not null;

    internal static ExtractionResult Missing(GradeReason reason) => new(null, AnswerSource.None, reason);
}
