namespace ReasonFlux.Rollout;

/// <summary>How to sample continuations. Temperature 0 means greedy decoding.</summary>
public sealed record SamplingParams
{
    public double Temperature { get; init; } = 1.0;
    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability reaches TopP (1 = off).</summary>
    public double TopP { get; init; } = 1.0;
    /// <summary>Keep only the K most likely tokens (0 = off).</summary>
    public int TopK { get; init; }
    public int MaxNewTokens { get; init; } = 256;
    /// <summary>Token ids that end a sequence (kept as its last token).</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];
    /// <summary>Strings that end a sequence once the decoded text contains them (the text is cut before the string).</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];
    /// <summary>Every (prompt, sample) pair draws from its own stream derived from this seed, so results do not depend on batching.</summary>
    public long Seed { get; init; }

    public void Validate()
    {
        if (Temperature < 0 || double.IsNaN(Temperature)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "temperature must be >= 0");
        if (TopP is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "top_p must be in (0, 1]");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "top_k must be >= 0");
        if (MaxNewTokens < 1) throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "max_new_tokens must be >= 1");
        if (StopStrings.Any(string.IsNullOrEmpty)) throw new ArgumentException("stop strings must be non-empty");
    }
}
