using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace ReasonFlux.PrmData.Tests;

/// <summary>A received chat-completions request.</summary>
internal sealed record ChatRequest(int Number, string Path, string? Authorization, JsonObject Body)
{
    public string Prompt => Body["messages"]!.AsArray()[^1]!["content"]!.GetValue<string>();
}

/// <summary>What the server answers: a status and a body, optionally after a delay.</summary>
internal sealed record ChatResponse(int Status, string Body, TimeSpan Delay = default)
{
    /// <summary>A 200 OpenAI-style chat completion whose content is <paramref name="content"/>.</summary>
    public static ChatResponse Content(string content) => new(200, new JsonObject
    {
        ["id"] = "chatcmpl-test",
        ["object"] = "chat.completion",
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
            ["finish_reason"] = "stop",
        }),
    }.ToJsonString());
}

/// <summary>
/// A minimal OpenAI-compatible HTTP/1.1 server on 127.0.0.1 and an ephemeral port (raw TcpListener, one request
/// per connection). The handler sees each request, numbered from 1 in arrival order.
/// </summary>
internal sealed class LoopbackChatServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<ChatRequest, ChatResponse> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _count;

    public LoopbackChatServer(Func<ChatRequest, ChatResponse> handler)
    {
        _handler = handler;
        _listener.Start();
        _loop = Task.Run(AcceptLoop);
    }

    public string BaseUrl => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/v1";

    public ConcurrentQueue<ChatRequest> Requests { get; } = new();

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            var (path, headers, body) = await ReadRequest(stream);
            headers.TryGetValue("authorization", out var auth);
            var request = new ChatRequest(Interlocked.Increment(ref _count), path, auth, (JsonObject)JsonNode.Parse(body)!);
            Requests.Enqueue(request);
            var response = _handler(request);
            if (response.Delay > TimeSpan.Zero) await Task.Delay(response.Delay, _stop.Token);
            var payload = Encoding.UTF8.GetBytes(response.Body);
            var head = $"HTTP/1.1 {response.Status} {Reason(response.Status)}\r\nContent-Type: application/json\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
            await stream.WriteAsync(payload, _stop.Token);
            await stream.FlushAsync(_stop.Token);
        }
        catch (Exception) when (_stop.IsCancellationRequested) { }
        catch (IOException) { }
    }

    private static async Task<(string Path, Dictionary<string, string> Headers, string Body)> ReadRequest(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one) == 0) throw new IOException("connection closed in headers");
            buffer.Add(one[0]);
            int n = buffer.Count;
            if (n >= 4 && buffer[n - 4] == '\r' && buffer[n - 3] == '\n' && buffer[n - 2] == '\r' && buffer[n - 1] == '\n') break;
        }
        var lines = Encoding.ASCII.GetString(buffer.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var path = lines[0].Split(' ')[1];
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        int length = int.Parse(headers["content-length"]);
        var body = new byte[length];
        int read = 0;
        while (read < length)
        {
            int r = await stream.ReadAsync(body.AsMemory(read));
            if (r == 0) throw new IOException("connection closed in body");
            read += r;
        }
        return (path, headers, Encoding.UTF8.GetString(body));
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK", 400 => "Bad Request", 401 => "Unauthorized", 429 => "Too Many Requests", 500 => "Internal Server Error", 503 => "Service Unavailable", _ => "Status",
    };

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try { _loop.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
