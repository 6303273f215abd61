namespace ReasonFlux.Rollout;

public enum FinishReason
{
    /// <summary>A stop token or stop string ended the sequence.</summary>
    Stop,
    /// <summary>max_new_tokens was reached.</summary>
    Length,
}

/// <summary>
/// One generated continuation. <see cref="LogProbs"/>[i] is log p(TokenIds[i]) under the distribution it was
/// sampled from (after temperature, top-k and top-p; the raw distribution for greedy decoding).
/// </summary>
public sealed record Completion(int PromptIndex, int SampleIndex, int[] PromptIds, int[] TokenIds, float[] LogProbs, FinishReason FinishReason)
{
    /// <summary>Decoded text without special tokens, cut before a stop string; null when the engine has no tokenizer.</summary>
    public string? Text { get; init; }
}
