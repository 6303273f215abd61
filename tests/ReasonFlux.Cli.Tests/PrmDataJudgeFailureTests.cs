using System.Net;
using System.Net.Sockets;

namespace ReasonFlux.Cli.Tests;

/// <summary>prm-data against a judge that is down or hangs: a clear failure, never placeholder targets or a stray .tmp.</summary>
public class PrmDataJudgeFailureTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    /// <summary>Quality only (no encoder, no policy), so the judge is the only moving part.</summary>
    private static string[] Args(TempDir dir, string judgeUrl, params string[] more)
    {
        File.WriteAllText(dir["cfg.json"], """{"alignment": {"enabled": false}, "coherence": {"enabled": false}}""");
        File.WriteAllText(dir["pool.jsonl"], """{"problem": "1+1?", "steps": ["1+1=2", "so 2"], "response": "2", "answer": "2"}""" + "\n");
        return ["prm-data", "--input", dir["pool.jsonl"], "--output", dir["out.jsonl"], "--config", dir["cfg.json"],
            "--judge-url", judgeUrl, "--judge-model", "m", .. more];
    }

    [Fact]
    public void EveryJudgeCallFailing_ExitsNonZeroAndWritesNoOutput()
    {
        using var dir = new TempDir();
        // Port 1 on loopback refuses connections at once.
        var (code, output) = CliProcess.Run(null, Limit, Args(dir, "http://127.0.0.1:1/v1", "--judge-attempts", "2", "--judge-timeout", "5"));
        Assert.True(code == 1, output);
        Assert.Contains("every judge call failed (2 requests, 0 ok, 2 failed, 2 retries)", output);
        Assert.False(File.Exists(dir["out.jsonl"]), "placeholder targets must not be left as output");
        Assert.False(File.Exists(dir["out.jsonl.tmp"]));
    }

    [Fact]
    public void Sigterm_WhileTheJudgeHangs_StopsAndRemovesThePartialOutput()
    {
        using var dir = new TempDir();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var held = new List<TcpClient>();
        _ = Task.Run(async () =>
        {
            try { while (true) held.Add(await listener.AcceptTcpClientAsync()); } // accept, never answer
            catch (Exception e) when (e is ObjectDisposedException or SocketException) { }
        });
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var p = CliProcess.Start(null, Args(dir, $"http://127.0.0.1:{port}/v1", "--judge-timeout", "600"));
        p.WaitFor("no policy given");
        Thread.Sleep(1000);
        CliProcess.Kill(p.Process.Id, CliProcess.Sigterm);
        Assert.True(p.Process.WaitForExit(30_000), "prm-data did not stop after SIGTERM:\n" + p.Output());
        p.Process.WaitForExit(); // drains the redirected output
        Assert.True(p.Process.ExitCode == 130, p.Output());
        Assert.Contains("interrupted by SIGTERM", p.Output());
        Assert.False(File.Exists(dir["out.jsonl.tmp"]), "the partial output must be removed");
        Assert.False(File.Exists(dir["out.jsonl"]));
        foreach (var c in held) c.Dispose();
    }
}
