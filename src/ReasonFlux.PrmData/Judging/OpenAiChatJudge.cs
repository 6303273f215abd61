using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReasonFlux.PrmData.Judging;

/// <summary>
/// A judge behind an OpenAI-compatible HTTP API: POST {base_url}/chat/completions with model, messages,
/// temperature and max_tokens; the reply is choices[0].message.content. 408, 429, 5xx, network errors and
/// timeouts are retried with exponential backoff (honouring Retry-After); other 4xx fail the request at once;
/// 401, 403 and 404 mean no request can succeed and throw <see cref="JudgeUnavailableException"/>.
/// </summary>
public sealed class OpenAiChatJudge : IJudge, IDisposable
{
    private readonly OpenAiJudgeOptions _options;
    private readonly Uri _endpoint;
    private readonly HttpClient _http;
    private readonly string? _apiKey;
    private readonly SemaphoreSlim _slots;

    /// <param name="options">Endpoint, model and retry policy.</param>
    /// <param name="handler">Transport (tests, proxies); null for the default.</param>
    public OpenAiChatJudge(OpenAiJudgeOptions options, HttpMessageHandler? handler = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _endpoint = options.Validate();
        if (options.ApiKeyEnvironmentVariable is { } variable)
        {
            _apiKey = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrEmpty(_apiKey)) throw new ArgumentException($"judge API key variable {variable} is not set");
        }
        // Each attempt carries its own timeout (a linked token), so the client-wide one is disabled.
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
        _slots = new SemaphoreSlim(options.MaxConcurrency);
    }

    public string Name => $"openai:{_options.Model}@{_options.BaseUrl}";

    public JudgeStatistics Statistics { get; } = new();

    public async Task<IReadOnlyList<JudgeReply>> CompleteAsync(IReadOnlyList<JudgeRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var tasks = requests.Select(r => CompleteOneAsync(r, cancellationToken)).ToArray();
        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private async Task<JudgeReply> CompleteOneAsync(JudgeRequest request, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var reply = await SendWithRetriesAsync(request, cancellationToken).ConfigureAwait(false);
            Statistics.Record(reply);
            return reply;
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task<JudgeReply> SendWithRetriesAsync(JudgeRequest request, CancellationToken cancellationToken)
    {
        var body = Body(request);
        string lastError = "";
        for (int attempt = 0; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            using (var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                attemptCts.CancelAfter(_options.Timeout);
                try
                {
                    using var message = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                    if (_apiKey is not null) message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
                    using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, attemptCts.Token).ConfigureAwait(false);
                    var text = await ReadCappedAsync(response.Content, _options.MaxReplyBytes, attemptCts.Token).ConfigureAwait(false);
                    if (text is null) return JudgeReply.Failure($"reply is longer than {_options.MaxReplyBytes} bytes (judge max_reply_bytes); not read further");
                    var status = (int)response.StatusCode;
                    if (response.IsSuccessStatusCode) return ParseContent(text);
                    if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
                        throw new JudgeUnavailableException($"{_endpoint}: HTTP {status} {response.ReasonPhrase}: {Snippet(text)} (check the URL, the model name and the API key variable)");
                    if (!IsRetryable(status)) return JudgeReply.Failure($"HTTP {status}: {Snippet(text)}");
                    lastError = $"HTTP {status}: {Snippet(text)}";
                    retryAfter = RetryAfter(response);
                }
                catch (HttpRequestException e)
                {
                    lastError = $"network error: {e.Message}";
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    lastError = $"timed out after {_options.Timeout.TotalSeconds:G4} s";
                }
            }
            if (attempt >= _options.MaxRetries) return JudgeReply.Failure($"gave up after {attempt + 1} attempts: {lastError}");
            Statistics.RecordRetry();
            await Task.Delay(Backoff(attempt, retryAfter), cancellationToken).ConfigureAwait(false);
        }
    }

    private string Body(JudgeRequest request)
    {
        var messages = new JsonArray();
        if (_options.SystemPrompt is { } system) messages.Add(new JsonObject { ["role"] = "system", ["content"] = system });
        messages.Add(new JsonObject { ["role"] = "user", ["content"] = request.Prompt });
        return new JsonObject
        {
            ["model"] = _options.Model,
            ["messages"] = messages,
            ["temperature"] = _options.Temperature,
            ["max_tokens"] = request.MaxTokens,
        }.ToJsonString();
    }

    /// <summary>
    /// The body as text, or null when it is longer than <paramref name="maxBytes"/>: a server that streams gigabytes
    /// is cut off at the cap instead of being buffered whole (a 1.5 GB reply once took the process to 12 GB).
    /// </summary>
    private static async Task<string?> ReadCappedAsync(HttpContent content, long maxBytes, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is { } declared && declared > maxBytes) return null;
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int n;
        while ((n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > maxBytes) return null;
            buffer.Write(chunk, 0, n);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static bool IsRetryable(int status) => status is 408 or 429 or >= 500;

    private static JudgeReply ParseContent(string text)
    {
        try
        {
            var content = JsonNode.Parse(text)?["choices"]?[0]?["message"]?["content"];
            if (content is JsonValue v && v.TryGetValue<string>(out var s)) return JudgeReply.Success(s);
            return JudgeReply.Failure($"response has no choices[0].message.content: {Snippet(text)}");
        }
        catch (JsonException e)
        {
            return JudgeReply.Failure($"response is not JSON ({e.Message}): {Snippet(text)}");
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var h = response.Headers.RetryAfter;
        if (h?.Delta is { } delta) return delta;
        if (h?.Date is { } date) return date - DateTimeOffset.UtcNow;
        return null;
    }

    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        double exp = _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, attempt);
        double jittered = Math.Min(_options.MaxBackoff.TotalMilliseconds, exp) * (0.5 + 0.5 * Random.Shared.NextDouble());
        if (retryAfter is { } ra && ra.TotalMilliseconds > jittered) jittered = Math.Min(ra.TotalMilliseconds, _options.MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(jittered);
    }

    private static string Snippet(string text) => text.Length <= 200 ? text : text[..200] + "...";

    public void Dispose()
    {
        _http.Dispose();
        _slots.Dispose();
    }
}
