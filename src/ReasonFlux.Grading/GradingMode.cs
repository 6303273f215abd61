namespace ReasonFlux.Grading;

/// <summary>What the prediction is: a model response (extraction of the final answer) or an answer itself.</summary>
public enum GradingMode
{
    /// <summary>A chain-of-thought response: the box, "Answer:" and similar markers are read (RL-safe default).</summary>
    Response,
    /// <summary>An answer: the whole text when it reads as mathematics, else its last math span, else its last whole number.</summary>
    Answer,
}
