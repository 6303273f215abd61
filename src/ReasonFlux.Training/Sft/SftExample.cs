namespace ReasonFlux.Training.Sft;

/// <summary>
/// One tokenized training example: the rendered prompt followed by the completion and its end-of-turn token.
/// </summary>
/// <param name="InputIds">Prompt tokens then completion tokens (already truncated to max_seq_len).</param>
/// <param name="PromptLength">How many leading tokens belong to the prompt (masked with completion-only loss).</param>
/// <param name="Location">"file:line" of the source line, for messages about this example.</param>
public sealed record SftExample(int[] InputIds, int PromptLength, string Location)
{
    /// <summary>
    /// Tokens that carry a loss: every token but the first (nothing predicts it), and with
    /// <paramref name="completionOnly"/> only completion tokens.
    /// </summary>
    public int TrainedTokens(bool completionOnly) =>
        InputIds.Length - (completionOnly ? Math.Max(PromptLength, 1) : 1);

    /// <summary>True when the token at <paramref name="position"/> is a loss target.</summary>
    public bool IsTarget(int position, bool completionOnly) =>
        position >= 1 && position < InputIds.Length && (!completionOnly || position >= PromptLength);
}
