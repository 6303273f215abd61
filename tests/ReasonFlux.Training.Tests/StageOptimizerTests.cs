using System.Net;
using System.Net.Sockets;
using ReasonFlux.Runs.Distributed;
using ReasonFlux.Torch;
using ReasonFlux.Training.Common;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Tests;

/// <summary>
/// ZeRO-1 against ZeRO-0: two ranks (two threads of this process, each with its own Gloo group on loopback) step
/// fp32 and bf16 parameters (fp32 master weights) with sharded state, given the same summed gradients; the
/// weights, master weights and gathered moments must be those of one unsharded AdamW, while each rank holds only
/// part of the moments.
/// </summary>
public class StageOptimizerTests
{
    private static readonly long[][] Shapes = [[5, 3], [7], [4, 4], [2, 6], [9]];
    private static readonly ScalarType[] Dtypes = [ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float32];
    private const int Steps = 3;

    private static Tensor[] Parameters()
    {
        using var g = new Generator(5);
        return Shapes.Select((s, i) => randn(s, ScalarType.Float32, generator: g).to(Dtypes[i]).requires_grad_()).ToArray();
    }

    /// <summary>Step k's summed gradient of parameter i: the same on every rank, as after the all-reduce.</summary>
    private static void SetGradients(Tensor[] ps, int step)
    {
        using var g = new Generator(100 + step);
        foreach (var p in ps) p.grad = randn(p.shape, ScalarType.Float32, generator: g).to(p.dtype);
    }

    private sealed record Result(float[][] Weights, float[][] Masters, float[][] ExpAvg, float[][] ExpAvgSq, long[] StepCounts, long StateElements, bool[] Owned);

    private static float[] Floats(Tensor t) => t.detach().to(ScalarType.Float32).reshape(-1).ToArray<float>();

    private static Result Train(DataParallel dataParallel, bool shard)
    {
        using var scope = NewDisposeScope();
        var ps = Parameters();
        using var optimizer = new StageOptimizer(ps, dataParallel, shard, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, masterDtype: ScalarType.Float32);
        dataParallel.SynchronizeWeights(optimizer);
        for (int step = 0; step < Steps; step++)
        {
            SetGradients(ps, step);
            optimizer.Step(0.01);
            optimizer.ZeroGrad();
        }
        using var snapshot = optimizer.Gather();
        return new Result(ps.Select(Floats).ToArray(), snapshot.MasterWeights.Select(Floats).ToArray(), snapshot.ExpAvg.Select(Floats).ToArray(),
            snapshot.ExpAvgSq.Select(Floats).ToArray(), snapshot.Steps, optimizer.StateElements, Enumerable.Range(0, ps.Length).Select(optimizer.Owns).ToArray());
    }

    [Fact]
    public async Task Zero1OnTwoRanks_MatchesZero0_HoldingPartOfTheState()
    {
        var single = Train(new DataParallel(DistributedContext.Single), shard: false);

        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        Result Rank(int rank)
        {
            using var context = DistributedContext.Join(new ProcessLayout(LayoutSource.Torchrun, rank, 2, rank, 2, "127.0.0.1", port), distributed.Backend.Gloo, Device.CPU,
                TimeSpan.FromSeconds(30), shardOptimizerState: true);
            return Train(new DataParallel(context), shard: true);
        }
        var ranks = await Task.WhenAll(Task.Run(() => Rank(0)), Task.Run(() => Rank(1))).WaitAsync(TimeSpan.FromSeconds(120));

        long total = 2 * Shapes.Sum(s => s.Aggregate(1L, (a, b) => a * b));
        Assert.Equal(total, single.StateElements);
        foreach (var r in ranks)
        {
            // Sharded: each rank holds the moments of some parameters only, and together they hold all of them once.
            Assert.InRange(r.StateElements, 1, total - 1);
            for (int i = 0; i < Shapes.Length; i++)
            {
                Assert.True(Close(single.Weights[i], r.Weights[i]), $"parameter {i}: weights differ from ZeRO-0");
                Assert.True(Close(single.Masters[i], r.Masters[i]), $"parameter {i}: master weights differ from ZeRO-0");
                Assert.True(Close(single.ExpAvg[i], r.ExpAvg[i]) && Close(single.ExpAvgSq[i], r.ExpAvgSq[i]), $"parameter {i}: moments differ from ZeRO-0");
            }
            Assert.Equal(Enumerable.Repeat((long)Steps, Shapes.Length), r.StepCounts);
        }
        Assert.Equal(total, ranks.Sum(r => r.StateElements));
        Assert.All(Enumerable.Range(0, Shapes.Length), i => Assert.True(ranks[0].Owned[i] ^ ranks[1].Owned[i], $"parameter {i} must have one owner"));
        // The bf16 parameters moved by less than their resolution in places: the master weights carry that.
        Assert.NotEqual(single.Weights[1], single.Masters[1]);
    }

    private static bool Close(float[] a, float[] b) => a.Length == b.Length && a.Zip(b).All(p => Math.Abs(p.First - p.Second) <= 1e-5);

    [Theory]
    [InlineData(new long[] { 10, 10, 10, 10 }, 2, new[] { 0, 0, 1, 1 })]
    [InlineData(new long[] { 100, 1, 1, 1 }, 2, new[] { 0, 1, 1, 1 })]
    [InlineData(new long[] { 5, 5, 5 }, 3, new[] { 0, 1, 2 })]
    [InlineData(new long[] { 5, 5 }, 4, new[] { 1, 3 })]
    [InlineData(new long[] { 7, 7, 7 }, 1, new[] { 0, 0, 0 })]
    public void ParameterShards_ContiguousByTheMiddleElement(long[] sizes, int world, int[] expected) =>
        Assert.Equal(expected, ParameterShards.Owners(sizes, world));
}
