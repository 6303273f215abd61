using System.Globalization;

namespace ReasonFlux.PrmData.Judging;

/// <summary>One step to score: the problem, the trajectory's steps, which step, and the final response.</summary>
public sealed record StepQualityRequest(string Problem, IReadOnlyList<string> Steps, int StepIndex, string Response);

/// <summary>A step's quality in [0, 1], or the reason there is none (judge failure or unparsable reply).</summary>
public sealed record StepQualityResult(double? Score, string? Reply, string? Failure);

/// <summary>
/// r_t^qual = J(s_t | x, s_&lt;t, a) (reasonflux-prm.md §3.1 item 2): the judge sees the problem, the previous steps,
/// the step and the final response through the configured prompt, and its reply is parsed into [0, 1] by
/// <see cref="JudgeScoreParser"/>. Unparsable replies are failures like transport errors; the caller applies
/// the failure policy.
/// </summary>
public sealed class StepQualityScorer
{
    private readonly IJudge _judge;
    private readonly QualityOptions _options;
    private readonly string _separator;

    public StepQualityScorer(IJudge judge, QualityOptions options, string stepSeparator = "\n\n")
    {
        _judge = judge ?? throw new ArgumentNullException(nameof(judge));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _options.Validate();
        _separator = stepSeparator;
    }

    /// <summary>Replies that came back but held no readable score.</summary>
    public long UnparsableReplies => Interlocked.Read(ref _unparsable);
    private long _unparsable;

    /// <summary>The prompt for one step.</summary>
    public string BuildPrompt(StepQualityRequest request)
    {
        var previous = request.StepIndex == 0 ? "(none)" : string.Join(_separator, request.Steps.Take(request.StepIndex));
        return PromptTemplates.Render(_options.PromptTemplate, new Dictionary<string, string>
        {
            ["problem"] = request.Problem,
            ["previous_steps"] = previous,
            ["step"] = request.Steps[request.StepIndex],
            ["response"] = request.Response,
            ["step_index"] = (request.StepIndex + 1).ToString(CultureInfo.InvariantCulture),
            ["num_steps"] = request.Steps.Count.ToString(CultureInfo.InvariantCulture),
        });
    }

    public async Task<StepQualityResult[]> ScoreAsync(IReadOnlyList<StepQualityRequest> requests, CancellationToken cancellationToken = default)
    {
        var judgeRequests = requests.Select(r => new JudgeRequest(BuildPrompt(r), _options.MaxTokens)).ToList();
        var replies = await _judge.CompleteAsync(judgeRequests, cancellationToken).ConfigureAwait(false);
        var results = new StepQualityResult[requests.Count];
        for (int i = 0; i < results.Length; i++)
        {
            var reply = replies[i];
            if (!reply.Succeeded) results[i] = new StepQualityResult(null, null, reply.Error);
            else if (JudgeScoreParser.TryParse(reply.Text, _options.BareNumberScale, out var score)) results[i] = new StepQualityResult(score, reply.Text, null);
            else
            {
                Interlocked.Increment(ref _unparsable);
                results[i] = new StepQualityResult(null, reply.Text, $"unparsable judge reply: {Snippet(reply.Text!)}");
            }
        }
        return results;
    }

    private static string Snippet(string text) => text.Length <= 120 ? text : text[..120] + "...";
}
