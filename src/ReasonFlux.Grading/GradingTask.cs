namespace ReasonFlux.Grading;

/// <summary>What kind of answer a question expects.</summary>
public enum GradingTask
{
    /// <summary>A mathematical answer (number, expression, set, interval, matrix, equation, text).</summary>
    Math,
    /// <summary>A multiple-choice letter (GPQA): A, B, C, D, ...</summary>
    Choice,
}
