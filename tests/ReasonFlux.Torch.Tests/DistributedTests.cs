using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ReasonFlux.Torch.Tests;

public class DistributedTests
{
    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Gloo_TwoProcessesOnLoopback_AgreeAfterCollectives()
    {
        var worker = Path.Combine(AppContext.BaseDirectory, "ReasonFlux.Torch.Tests.Worker.dll");
        Assert.True(File.Exists(worker), $"worker not built at {worker}");
        var port = FreePort();
        var runs = Enumerable.Range(0, 2).Select(rank => Task.Run(() =>
        {
            var psi = new ProcessStartInfo("dotnet", [worker, rank.ToString(), "2", port.ToString()])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(90))) { p.Kill(true); throw new TimeoutException($"rank {rank} hung"); }
            Assert.True(p.ExitCode == 0, $"rank {rank} exited {p.ExitCode}: {stderr.Result}");
            return stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToDictionary(l => l.Split(':')[0], l => l.Contains(':') ? l.Split(": ")[1] : "");
        })).ToArray();
        var results = await Task.WhenAll(runs);
        foreach (var r in results)
        {
            Assert.Equal("3,30", r["allreduce"]);
            Assert.Equal("2", r["allreduce_bf16"]);
            Assert.Equal("42,7", r["broadcast"]);
            Assert.Equal("0,1", r["allgather"]);
            Assert.True(r.ContainsKey("done"));
        }
        Assert.Equal("3,6", results[0]["reduce_scatter"]);
        Assert.Equal("9,12", results[1]["reduce_scatter"]);
    }
}
