using ReasonFlux.Grading;
using ReasonFlux.Models;
using ReasonFlux.PrmData.Judging;
using ReasonFlux.Rollout;
using ReasonFlux.Tokenizers;

namespace ReasonFlux.PrmData.TrajectoryReward;

/// <summary>One trajectory to reward: the problem, the thinking trajectory, the final response and the gold answer.</summary>
public sealed record TrajectoryRewardRequest(string Problem, string Trajectory, string Response, string Answer);

/// <summary>
/// The trajectory-level target: <see cref="Reward"/> = <see cref="Correct"/> / <see cref="Rollouts"/>, or null with
/// <see cref="Failure"/> when no template could be extracted or the prompt does not fit the policy.
/// </summary>
public sealed record TrajectoryRewardResult(double? Reward, string? Template, int Correct, int Rollouts, string? Failure);

/// <summary>
/// Template-guided trajectory reward (reasonflux-prm.md §3.2): the judge extracts a high-level reasoning template
/// T from (x, s, a); the policy π samples N answers to (x, T); r^final = (1/N) Σ_j 1[y^(j) is correct], graded by
/// <see cref="AnswerGrader"/> against the gold answer. N, π and the extraction prompt are unknown in the paper and
/// come from <see cref="TrajectoryRewardOptions"/>. Rollouts are seeded per (trajectory, sample).
/// </summary>
public sealed class TemplateGuidedReward
{
    private readonly IJudge _judge;
    private readonly LanguageModel _policy;
    private readonly TrajectoryRewardOptions _options;
    private readonly RolloutEngine _engine;

    public TemplateGuidedReward(IJudge judge, LanguageModel policy, TrajectoryRewardOptions options, RolloutEngineOptions? engineOptions = null)
    {
        _judge = judge ?? throw new ArgumentNullException(nameof(judge));
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _options.Validate();
        _engine = new RolloutEngine(policy.Model, policy.Tokenizer, engineOptions) { PadTokenId = policy.PadTokenId };
    }

    /// <summary>The template-extraction prompt for one trajectory.</summary>
    public string BuildExtractionPrompt(TrajectoryRewardRequest request) =>
        PromptTemplates.Render(_options.ExtractionPrompt, new Dictionary<string, string>
        {
            ["problem"] = request.Problem,
            ["trajectory"] = request.Trajectory,
            ["response"] = request.Response,
        });

    /// <summary>The policy's token ids for (x, T): the user message in the policy's chat template, with the generation prompt.</summary>
    public int[] BuildPolicyPrompt(string problem, string template)
    {
        var user = PromptTemplates.Render(_options.PolicyPrompt, new Dictionary<string, string> { ["problem"] = problem, ["template"] = template });
        var messages = new List<ChatMessage>();
        if (_options.PolicySystemPrompt is { } system) messages.Add(ChatMessage.System(system));
        messages.Add(ChatMessage.User(user));
        return _policy.Tokenizer.Encode(_policy.ChatTemplate.Render(messages, addGenerationPrompt: true));
    }

    /// <param name="requests">The trajectories.</param>
    /// <param name="seedOffset">Added to the rollout seed so different chunks of a pool draw different streams (the record number of the first request).</param>
    /// <param name="cancellationToken">Stops between the judge and the rollouts.</param>
    public async Task<TrajectoryRewardResult[]> ComputeAsync(IReadOnlyList<TrajectoryRewardRequest> requests, long seedOffset = 0, CancellationToken cancellationToken = default)
    {
        var extraction = requests.Select(r => new JudgeRequest(BuildExtractionPrompt(r), _options.ExtractionMaxTokens)).ToList();
        var replies = await _judge.CompleteAsync(extraction, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        var results = new TrajectoryRewardResult[requests.Count];
        var templates = new string?[requests.Count];
        var rolled = new List<int>();
        var prompts = new List<int[]>();
        int maxPositions = _policy.Model.Config.MaxPositionEmbeddings;
        for (int i = 0; i < requests.Count; i++)
        {
            var reply = replies[i];
            if (!reply.Succeeded || string.IsNullOrWhiteSpace(reply.Text))
            {
                results[i] = new TrajectoryRewardResult(null, null, 0, 0, reply.Error ?? "the judge returned an empty template");
                continue;
            }
            var template = reply.Text.Trim();
            templates[i] = template;
            var ids = BuildPolicyPrompt(requests[i].Problem, template);
            if (ids.Length + _options.MaxNewTokens > maxPositions)
            {
                results[i] = new TrajectoryRewardResult(null, template, 0, 0,
                    $"policy prompt of {ids.Length} tokens + max_new_tokens {_options.MaxNewTokens} exceeds the policy's context of {maxPositions}");
                continue;
            }
            rolled.Add(i);
            prompts.Add(ids);
        }
        if (prompts.Count == 0) return results;

        var sampling = new SamplingParams
        {
            Temperature = _options.Temperature,
            TopP = _options.TopP,
            TopK = _options.TopK,
            MaxNewTokens = _options.MaxNewTokens,
            StopTokenIds = _policy.StopTokenIds,
            Seed = unchecked(_options.Seed + seedOffset * 1_000_003L),
        };
        var completions = _engine.Generate(prompts, sampling, _options.Rollouts);
        for (int k = 0; k < rolled.Count; k++)
        {
            int i = rolled[k];
            int correct = 0;
            for (int j = 0; j < _options.Rollouts; j++)
            {
                var text = completions[k * _options.Rollouts + j].Text ?? "";
                if (AnswerGrader.Grade(requests[i].Answer, text, _options.GradingTask).Equal) correct++;
            }
            results[i] = new TrajectoryRewardResult((double)correct / _options.Rollouts, templates[i], correct, _options.Rollouts, null);
        }
        return results;
    }
}
