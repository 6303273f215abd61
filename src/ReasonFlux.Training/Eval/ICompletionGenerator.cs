using ReasonFlux.Rollout;

namespace ReasonFlux.Training.Eval;

/// <summary>One generated response to a rendered prompt.</summary>
/// <param name="PromptIndex">Index of the prompt it answers.</param>
/// <param name="SampleIndex">Which of the prompt's samples it is (0-based).</param>
/// <param name="Text">The decoded response without special tokens.</param>
/// <param name="TokenCount">Generated tokens, including a final stop token.</param>
/// <param name="FinishReason">Stop (a stop token or string) or Length (max_new_tokens reached: truncated).</param>
public sealed record GeneratedCompletion(int PromptIndex, int SampleIndex, string Text, int TokenCount, FinishReason FinishReason)
{
    /// <summary>
    /// The generated token ids, a final stop token included; empty from a source without tokens (scripted completions). A
    /// label stage decodes them with special tokens kept: builtin:tiny's &lt;think&gt; and &lt;/think&gt; are special,
    /// so <see cref="Text"/> has none.
    /// </summary>
    public IReadOnlyList<int> TokenIds { get; init; } = [];
}

/// <summary>
/// The generation step of <see cref="Evaluator"/>: a policy behind <see cref="RolloutCompletionGenerator"/>, or a
/// scripted source of known completions in tests.
/// </summary>
public interface ICompletionGenerator
{
    /// <summary>
    /// Generates <paramref name="samplesPerPrompt"/> responses to every prompt in one call (so the implementation can
    /// batch across problems), ordered by (prompt, sample). <paramref name="onFinished"/> is called as completions are
    /// done; <paramref name="cancellationToken"/> is honoured between batches by throwing <see cref="OperationCanceledException"/>.
    /// </summary>
    IReadOnlyList<GeneratedCompletion> Generate(IReadOnlyList<string> prompts, SamplingParams sampling, int samplesPerPrompt,
        Action<GeneratedCompletion>? onFinished = null, CancellationToken cancellationToken = default);
}
