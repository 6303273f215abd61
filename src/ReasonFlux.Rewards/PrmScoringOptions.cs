namespace ReasonFlux.Rewards;

/// <summary>Settings of a <see cref="PrmScorer"/>.</summary>
public sealed record PrmScoringOptions
{
    /// <summary>Paper (step scores + α · final) or released-code (one score at the last token). Ignored by a scalar head.</summary>
    public PrmScoringMode Mode { get; init; } = PrmScoringMode.Paper;

    /// <summary>Weight of the trajectory-level score in paper mode: r̂ = mean(step scores) + α · final. The inferred paper default is 1.0 (§3.6).</summary>
    public double Alpha { get; init; } = 1.0;

    /// <summary>Where paper mode reads the final score.</summary>
    public FinalScoreReadout FinalReadout { get; init; } = FinalScoreReadout.LastSeparator;

    /// <summary>Text that splits a thinking trajectory into steps in paper mode ("\n\n", as the README advises).</summary>
    public string StepSeparator { get; init; } = "\n\n";

    /// <summary>
    /// Text of the separator token placed after each step; it is looked up in the PRM's own tokenizer (id 151651
    /// in ReasonFlux-PRM-7B's), never assumed.
    /// </summary>
    public string SeparatorToken { get; init; } = "<extra_0>";

    /// <summary>Two-class head: inputs longer than this are cut at the end (the released code's right truncation).</summary>
    public int MaxTokens { get; init; } = 16896;

    /// <summary>Scalar head: inputs are cut to this many tokens (the 1.5B code's truncation=True, max_length=2048).</summary>
    public int ScalarMaxTokens { get; init; } = 2048;

    /// <summary>Most padded tokens (rows × longest row) in one forward pass; a longer single input still runs alone.</summary>
    public long TokenBudget { get; init; } = 65536;

    /// <summary>Most sequences in one forward pass.</summary>
    public int MaxBatchSize { get; init; } = 64;

    /// <summary>Chat template override ("chatml", a .jinja path, …); null: the PRM folder's own tokenizer_config.json template.</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(StepSeparator)) throw new ArgumentException("PRM step separator must not be empty");
        if (string.IsNullOrEmpty(SeparatorToken)) throw new ArgumentException("PRM separator token must not be empty");
        if (!double.IsFinite(Alpha) || Alpha < 0) throw new ArgumentException($"PRM alpha must be a finite number ≥ 0, got {Alpha}");
        if (MaxTokens < 2) throw new ArgumentException($"PRM max tokens must be ≥ 2, got {MaxTokens}");
        if (ScalarMaxTokens < 2) throw new ArgumentException($"PRM scalar max tokens must be ≥ 2, got {ScalarMaxTokens}");
        if (TokenBudget < 1) throw new ArgumentException($"PRM token budget must be ≥ 1, got {TokenBudget}");
        if (MaxBatchSize < 1) throw new ArgumentException($"PRM batch size must be ≥ 1, got {MaxBatchSize}");
    }
}
