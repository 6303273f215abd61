using ReasonFlux.Models;
using ReasonFlux.Rollout;
using ReasonFlux.Tokenizers;

namespace ReasonFlux.PrmData.Judging;

/// <summary>
/// A judge that is a local checkpoint: each prompt becomes a user message in the model's chat template and is
/// answered greedily by the <see cref="RolloutEngine"/>, all requests of a call batched together. A prompt that
/// does not fit the model's context is a failed request (counted), not an exception.
/// </summary>
public sealed class LocalModelJudge : IJudge
{
    private readonly LanguageModel _model;
    private readonly string? _systemPrompt;
    private readonly RolloutEngine _engine;

    public LocalModelJudge(LanguageModel model, string? systemPrompt = null, RolloutEngineOptions? engineOptions = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _systemPrompt = systemPrompt;
        _engine = new RolloutEngine(model.Model, model.Tokenizer, engineOptions) { PadTokenId = model.PadTokenId };
    }

    public string Name => $"local:{_model.Directory}";

    public JudgeStatistics Statistics { get; } = new();

    public Task<IReadOnlyList<JudgeReply>> CompleteAsync(IReadOnlyList<JudgeRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var replies = new JudgeReply?[requests.Count];
        int maxPositions = _model.Model.Config.MaxPositionEmbeddings;
        // One Generate call per distinct max_tokens (SamplingParams is per call).
        foreach (var group in Enumerable.Range(0, requests.Count).GroupBy(i => requests[i].MaxTokens))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var fitting = new List<int>();
            var prompts = new List<int[]>();
            foreach (var i in group)
            {
                var ids = Encode(requests[i].Prompt);
                if (ids.Length + group.Key > maxPositions)
                    replies[i] = JudgeReply.Failure($"prompt of {ids.Length} tokens + max_tokens {group.Key} exceeds the judge's context of {maxPositions}");
                else
                {
                    fitting.Add(i);
                    prompts.Add(ids);
                }
            }
            if (prompts.Count == 0) continue;
            var sampling = new SamplingParams { Temperature = 0, MaxNewTokens = group.Key, StopTokenIds = _model.StopTokenIds };
            var completions = _engine.Generate(prompts, sampling);
            for (int k = 0; k < fitting.Count; k++) replies[fitting[k]] = JudgeReply.Success(completions[k].Text ?? "");
        }
        var result = replies.Select(r => r!).ToArray();
        foreach (var r in result) Statistics.Record(r);
        return Task.FromResult<IReadOnlyList<JudgeReply>>(result);
    }

    private int[] Encode(string prompt)
    {
        var messages = new List<ChatMessage>();
        if (_systemPrompt is not null) messages.Add(ChatMessage.System(_systemPrompt));
        messages.Add(ChatMessage.User(prompt));
        return _model.Tokenizer.Encode(_model.ChatTemplate.Render(messages, addGenerationPrompt: true));
    }
}
