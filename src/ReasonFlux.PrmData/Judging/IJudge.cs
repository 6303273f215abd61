namespace ReasonFlux.PrmData.Judging;

/// <summary>One prompt for the judge, with the most tokens it may answer with.</summary>
public sealed record JudgeRequest(string Prompt, int MaxTokens);

/// <summary>The judge's answer to one request: the text, or why there is none (after retries).</summary>
public sealed record JudgeReply(string? Text, string? Error)
{
    public bool Succeeded => Text is not null;

    public static JudgeReply Success(string text) => new(text, null);
    public static JudgeReply Failure(string error) => new(null, error);
}

/// <summary>
/// The expert LLM of reasonflux-prm.md §3.1 item 2 and §3.2 (GPT-4o in the paper): answers prompts with text.
/// Per-request failures come back as <see cref="JudgeReply.Failure"/> and are counted in <see cref="Statistics"/>;
/// a failure that every request would hit (a rejected API key, an unknown endpoint) throws
/// <see cref="JudgeUnavailableException"/>.
/// </summary>
public interface IJudge
{
    /// <summary>What it is, for logs ("openai:gpt-4o@https://...", "local:/models/x").</summary>
    string Name { get; }

    JudgeStatistics Statistics { get; }

    /// <summary>Answers every request; replies are in request order.</summary>
    Task<IReadOnlyList<JudgeReply>> CompleteAsync(IReadOnlyList<JudgeRequest> requests, CancellationToken cancellationToken = default);
}

/// <summary>The judge cannot serve any request (authentication, a wrong URL or model): retrying will not help.</summary>
public sealed class JudgeUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
