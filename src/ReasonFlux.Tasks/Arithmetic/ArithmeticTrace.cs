namespace ReasonFlux.Tasks.Arithmetic;

/// <summary>Quality of a trace in the mixed pool.</summary>
public enum TraceQuality
{
    /// <summary>Every step right, right answer.</summary>
    Correct,
    /// <summary>A step is wrong but the next one goes on from the true value, so the answer is still right.</summary>
    FlawedRightAnswer,
    /// <summary>A step is wrong and the error carries on to a wrong answer.</summary>
    Wrong,
}

/// <summary>
/// A written solution: the steps of the thinking trajectory (joined by "\n\n") and the final response with the boxed
/// answer. <see cref="Completion"/> is the assistant turn an SFT stage trains on, in the layout
/// ReasonFlux.Rewards.ThinkingResponse.Compose gives and the PRM splits ("&lt;think&gt;\n…\n&lt;/think&gt;\n\n…").
/// </summary>
public sealed record ArithmeticTrace(ArithmeticProblem Problem, IReadOnlyList<ArithmeticStep> Steps, int WrittenAnswer, TraceQuality Quality)
{
    public const string StepSeparator = "\n\n";

    public IReadOnlyList<string> StepTexts => Steps.Select(s => s.ToString()).ToList();

    public string Trajectory => string.Join(StepSeparator, StepTexts);

    public string Response => $"\\boxed{{{WrittenAnswer}}}";

    public string Completion => $"<think>\n{Trajectory}\n</think>\n\n{Response}";

    public bool AnswerCorrect => WrittenAnswer == Problem.Answer;
}
