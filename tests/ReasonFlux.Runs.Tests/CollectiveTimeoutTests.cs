using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ReasonFlux.Runs.Distributed;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Runs.Tests;

/// <summary>
/// distributed.timeout_s bounds a collective: two ranks join on loopback (two threads of this process, each with its
/// own Gloo group), then rank 1 stops before an all-reduce that rank 0 enters. Rank 0 must fail within the timeout
/// with its rank named, not wait forever.
/// </summary>
public class CollectiveTimeoutTests
{
    [Fact]
    public async Task AllReduceThatARankNeverJoins_FailsWithinTimeout_NamingTheRank()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var timeout = TimeSpan.FromSeconds(3);
        DistributedContext Join(int rank) =>
            DistributedContext.Join(new ProcessLayout(LayoutSource.Torchrun, rank, 2, rank, 2, "127.0.0.1", port), distributed.Backend.Gloo, Device.CPU, timeout);
        var joined = await Task.WhenAll(Task.Run(() => Join(0)), Task.Run(() => Join(1))).WaitAsync(TimeSpan.FromSeconds(60));
        var (rank0, rank1) = (joined[0], joined[1]);
        // Both ranks are alive and joined: a collective they both enter completes.
        var sums = await Task.WhenAll(Task.Run(() => rank0.Sum(1)[0]), Task.Run(() => rank1.Sum(2)[0])).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([3.0, 3.0], sums);

        var clock = Stopwatch.StartNew();
        // A hang shows as a TimeoutException here, not as a test that never ends (the groups are then left undisposed).
        var e = await Assert.ThrowsAsync<DistributedException>(() => Task.Run(() => rank0.Sum(1)).WaitAsync(timeout + TimeSpan.FromSeconds(20)));
        clock.Stop();
        rank0.Dispose();
        rank1.Dispose();
        Assert.Contains("rank 0 of 2: all-reduce failed", e.Message);
        Assert.Contains("distributed.timeout_s = 3 s", e.Message);
        Assert.True(clock.Elapsed >= timeout * 0.9, $"failed after {clock.Elapsed.TotalSeconds:F1} s, before the {timeout.TotalSeconds} s timeout: not a time-out");
        Assert.True(clock.Elapsed < timeout + TimeSpan.FromSeconds(20), $"took {clock.Elapsed.TotalSeconds:F1} s with a {timeout.TotalSeconds} s timeout");
    }
}
