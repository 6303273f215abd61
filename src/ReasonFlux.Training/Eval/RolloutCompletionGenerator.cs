using ReasonFlux.Models;
using ReasonFlux.Rollout;

namespace ReasonFlux.Training.Eval;

/// <summary>
/// Generates with a <see cref="LanguageModel"/> through <see cref="RolloutEngine"/>: prompts are tokenized with the
/// model's tokenizer (special tokens in the rendered chat are recognised), and the model's stop tokens are used
/// when the sampling parameters name none.
/// </summary>
public sealed class RolloutCompletionGenerator(LanguageModel model, RolloutEngineOptions? options = null) : ICompletionGenerator
{
    private readonly RolloutEngine _engine = new(model.Model, model.Tokenizer, options) { PadTokenId = model.PadTokenId };

    /// <inheritdoc />
    public IReadOnlyList<GeneratedCompletion> Generate(IReadOnlyList<string> prompts, SamplingParams sampling, int samplesPerPrompt,
        Action<GeneratedCompletion>? onFinished = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var ids = prompts.Select(p => model.Tokenizer.Encode(p)).ToArray();
        if (sampling.StopTokenIds.Count == 0) sampling = sampling with { StopTokenIds = model.StopTokenIds };
        // The engine reports each batch's completions after the batch is done, so checking here stops between batches.
        var completions = _engine.Generate(ids, sampling, samplesPerPrompt, c =>
        {
            onFinished?.Invoke(Convert(c));
            cancellationToken.ThrowIfCancellationRequested();
        });
        return completions.Select(Convert).ToArray();
    }

    private GeneratedCompletion Convert(Completion c) =>
        new(c.PromptIndex, c.SampleIndex, c.Text ?? model.Tokenizer.Decode(c.TokenIds, skipSpecialTokens: true), c.TokenIds.Length, c.FinishReason) { TokenIds = c.TokenIds };
}
