using System.Diagnostics;
using System.Text.Json.Nodes;

namespace PerfBench;

/// <summary>
/// A peer as a child process that runs K timed iterations per request, so rounds of ours and the peer's
/// interleave in one run: the PyTorch-eager peer (reference/peer_eager.py on Debian's python3-torch) or the
/// TorchSharp 0.107 peer (benchmarks/TorchSharpPeer), which speak the same line protocol.
/// </summary>
internal sealed class PeerProcess : IDisposable
{
    private readonly Process _process;

    public static PeerProcess Start(string root, string peer, string arguments) => peer switch
    {
        "eager" => new PeerProcess("/usr/bin/python3", $"{root}/benchmarks/PerfBench/reference/peer_eager.py {arguments}"),
        "torchsharp" => new PeerProcess(Path.Combine(root, "benchmarks/TorchSharpPeer/bin/Release/net10.0/TorchSharpPeer"), arguments),
        _ => throw new ArgumentException($"unknown peer {peer} (eager, torchsharp)"),
    };

    private PeerProcess(string file, string arguments)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"peer {file} is missing (benchmarks/run.sh --torchsharp builds it)");
        var psi = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false,
        };
        psi.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        Ready = ReadReply();
    }

    public JsonObject Ready { get; }

    public JsonObject Run(int iterations)
    {
        _process.StandardInput.WriteLine($"run {iterations}");
        _process.StandardInput.Flush();
        return ReadReply();
    }

    private JsonObject ReadReply()
    {
        var line = _process.StandardOutput.ReadLine()
            ?? throw new InvalidOperationException($"the eager peer exited (code {(_process.WaitForExit(5000) ? _process.ExitCode : -1)}); for the eager peer, is python3-torch installed?");
        return JsonNode.Parse(line)!.AsObject();
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.WriteLine("quit");
            _process.StandardInput.Close();
            if (!_process.WaitForExit(30_000)) _process.Kill();
        }
        finally { _process.Dispose(); }
    }
}
