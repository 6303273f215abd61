namespace ReasonFlux.PrmData.Judging;

/// <summary>Where and how to reach an OpenAI-compatible chat-completions judge (OpenAI, vLLM, SGLang, ...).</summary>
public sealed record OpenAiJudgeOptions
{
    /// <summary>API root, e.g. "https://api.openai.com/v1" or "http://127.0.0.1:8000/v1"; requests go to {base_url}/chat/completions.</summary>
    public string BaseUrl { get; init; } = "";
    /// <summary>The "model" field (e.g. "gpt-4o", the paper's judge).</summary>
    public string Model { get; init; } = "";
    /// <summary>
    /// Name of the environment variable holding the API key (sent as "Authorization: Bearer"). Null: no key
    /// (local servers). A name whose variable is unset or empty is an error at construction.
    /// </summary>
    public string? ApiKeyEnvironmentVariable { get; init; }
    /// <summary>Optional system message before each prompt.</summary>
    public string? SystemPrompt { get; init; }
    public double Temperature { get; init; }
    /// <summary>Per-attempt timeout.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);
    /// <summary>Further attempts after a 408/429/5xx, a network error or a timeout.</summary>
    public int MaxRetries { get; init; } = 5;
    /// <summary>Wait before the first retry; doubles per retry (with jitter) up to <see cref="MaxBackoff"/>. A Retry-After header wins when longer.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Longest reply body read, in bytes; a longer one fails that request without being buffered.</summary>
    public long MaxReplyBytes { get; init; } = 4 << 20;
    /// <summary>Requests in flight at once.</summary>
    public int MaxConcurrency { get; init; } = 8;

    internal Uri Validate()
    {
        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"judge base_url must be an absolute http(s) URL, got \"{BaseUrl}\"");
        if (string.IsNullOrWhiteSpace(Model)) throw new ArgumentException("judge model must not be empty");
        if (Timeout <= TimeSpan.Zero) throw new ArgumentException($"judge timeout must be positive, got {Timeout}");
        if (MaxRetries < 0) throw new ArgumentException($"judge max_retries must be >= 0, got {MaxRetries}");
        if (InitialBackoff < TimeSpan.Zero || MaxBackoff < InitialBackoff) throw new ArgumentException("judge backoff must satisfy 0 <= initial <= max");
        if (MaxReplyBytes < 1 || MaxReplyBytes > int.MaxValue) throw new ArgumentException($"judge max_reply_bytes must be in [1, {int.MaxValue}], got {MaxReplyBytes}");
        if (MaxConcurrency < 1) throw new ArgumentException($"judge max_concurrency must be >= 1, got {MaxConcurrency}");
        if (Temperature < 0 || double.IsNaN(Temperature)) throw new ArgumentException($"judge temperature must be >= 0, got {Temperature}");
        return new Uri(BaseUrl.TrimEnd('/') + "/chat/completions");
    }
}
