namespace ReasonFlux.Rewards;

/// <summary>How a two-class PRM turns a response into scores (reasonflux-prm.md §5.4).</summary>
public enum PrmScoringMode
{
    /// <summary>
    /// The paper: the thinking trajectory is split into steps, each followed by the separator token; a step's
    /// score is P(class 1) at its separator, and r̂ = mean(step scores) + α · final score.
    /// </summary>
    Paper,

    /// <summary>
    /// The released GRPO code: the whole response is one step and the score is P(class 1) at the last valid
    /// token of the input (the "\n" after &lt;|im_end|&gt; with a Qwen template); no α term.
    /// </summary>
    ReleasedCode,
}

/// <summary>Where paper mode reads the trajectory-level score r̂_final (the paper does not document it, §2.3).</summary>
public enum FinalScoreReadout
{
    /// <summary>
    /// P(class 1) at the last separator of the input: the one after the final answer when the response has a
    /// &lt;think&gt;…&lt;/think&gt; part, otherwise the one after the last step. The default (§9 item 1).
    /// </summary>
    LastSeparator,

    /// <summary>P(class 1) at the last token of the input (after the chat template's closing tokens), as the released code reads it.</summary>
    LastToken,
}

/// <summary>The output head of a PRM checkpoint.</summary>
public enum PrmHeadKind
{
    /// <summary>Qwen2ForProcessRewardModel: 2-class logits on every token, read at separators (ReasonFlux-PRM-7B).</summary>
    TwoClass,

    /// <summary>Qwen2ScalarRewardModel: sigmoid of a scalar at the last real token (ReasonFlux-PRM-1.5B).</summary>
    Scalar,
}
