namespace ReasonFlux.Training.Sft;

/// <summary>
/// One tokenized training example: the rendered prompt followed by the completion and its end-of-turn token, or
/// a whole conversation whose assistant turns are the targets.
/// </summary>
/// <param name="InputIds">Prompt tokens then completion tokens (already truncated to max_seq_len).</param>
/// <param name="PromptLength">How many leading tokens belong to the prompt (masked with completion-only loss): the first target position.</param>
/// <param name="Location">"file:line" of the source line, for messages about this example.</param>
/// <param name="TargetMask">Per position, whether the token is a target under completion-only loss (a multi-turn
/// conversation: its assistant turns); null: every position from <paramref name="PromptLength"/> on.</param>
public sealed record SftExample(int[] InputIds, int PromptLength, string Location, bool[]? TargetMask = null)
{
    /// <summary>
    /// Tokens that carry a loss: every token but the first (nothing predicts it), and with
    /// <paramref name="completionOnly"/> only completion tokens.
    /// </summary>
    public int TrainedTokens(bool completionOnly)
    {
        if (!completionOnly) return InputIds.Length - 1;
        if (TargetMask is null) return InputIds.Length - Math.Max(PromptLength, 1);
        int n = 0;
        for (int i = 1; i < TargetMask.Length; i++) if (TargetMask[i]) n++;
        return n;
    }

    /// <summary>True when the token at <paramref name="position"/> is a loss target.</summary>
    public bool IsTarget(int position, bool completionOnly) =>
        position >= 1 && position < InputIds.Length
        && (!completionOnly || (TargetMask is null ? position >= PromptLength : TargetMask[position]));
}
