using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using ReasonFlux.Models.Weights;
using ReasonFlux.Runs.Distributed;
using ReasonFlux.Torch;
using ReasonFlux.Training.Common;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Tests;

/// <summary>
/// ZeRO-1 against ZeRO-0: two ranks (two threads of this process, each with its own Gloo group on loopback) step
/// fp32 and bf16 parameters (fp32 master weights) with sharded state. Each rank contributes half of every summed
/// gradient, reduced onto the owners and clipped by the global norm; the weights, master weights and saved moments
/// must be those of one unsharded AdamW given the sums, while each rank holds only part of the state, the
/// non-writer never holds more than its own while the writer saves, and the per-shard files resume at another world size.
/// </summary>
public class StageOptimizerTests
{
    private static readonly long[][] Shapes = [[5, 3], [7], [4, 4], [2, 6], [9]];
    private static readonly ScalarType[] Dtypes = [ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float32];
    private static readonly string[] Names = Shapes.Select((_, i) => $"p{i}").ToArray();
    private const int Steps = 3;
    private const double MaxNorm = 2.0; // below the gradients' norm (about 8), so clipping changes every step

    private static Tensor[] Parameters(float[][]? values = null)
    {
        using var g = new Generator(5);
        return Shapes.Select((s, i) => (values is null ? randn(s, ScalarType.Float32, generator: g) : tensor(values[i]).reshape(s)).to(Dtypes[i]).requires_grad_()).ToArray();
    }

    /// <summary>Step k's gradient of parameter i, as this rank's share: the whole of it over <paramref name="world"/> ranks (a power of 2, so the sum is exact).</summary>
    private static void SetGradients(Tensor[] ps, int step, int world)
    {
        using var g = new Generator(100 + step);
        foreach (var p in ps) p.grad = randn(p.shape, ScalarType.Float32, generator: g).mul(2.0 / world).to(p.dtype);
    }

    private sealed record Result(float[][] Weights, float[][]? Masters, long[] StepCounts, double[] Norms, long StateElements, long OwnStateElements, long PeakSaveBuffer, long Received, bool[] Owned);

    private static float[] Floats(Tensor t) => t.detach().to(ScalarType.Float32).reshape(-1).ToArray<float>();

    /// <summary>
    /// Steps <paramref name="from"/>..<paramref name="from"/>+Steps-1 from <paramref name="start"/> (master values; null: the
    /// seeded initialisation), restoring optimizer state from <paramref name="resume"/> first, and saves into
    /// <paramref name="save"/> (written by rank 0).
    /// </summary>
    private static Result Train(DataParallel dataParallel, bool shard, string save, int from = 0, float[][]? start = null, string? resume = null)
    {
        using var scope = NewDisposeScope();
        var ps = Parameters(start);
        using var optimizer = new StageOptimizer(ps, dataParallel, shard, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, masterDtype: ScalarType.Float32);
        if (resume is not null)
        {
            var steps = JsonNode.Parse(File.ReadAllText(Path.Combine(resume, "steps.json")))!.AsObject();
            OptimizerShardFiles.Restore(resume, Names, optimizer, steps, Device.CPU);
            if (start is not null)
                for (int i = 0; i < ps.Length; i++)
                    if (optimizer.Owns(i)) optimizer.SetMasterWeight(i, tensor(start[i]).reshape(Shapes[i]));
        }
        dataParallel.SynchronizeWeights(optimizer);
        var norms = new List<double>();
        for (int step = from; step < from + Steps; step++)
        {
            SetGradients(ps, step, dataParallel.WorldSize);
            optimizer.ReduceGradients();
            norms.Add(optimizer.ClipGradNorm(MaxNorm));
            optimizer.Step(0.01);
            optimizer.ZeroGrad();
        }
        var masters = optimizer.WriterMasterWeights();
        bool writer = dataParallel.Distributed.IsWriter;
        if (writer) Directory.CreateDirectory(save);
        OptimizerShardFiles.Write(writer ? save : null, Names, optimizer);
        var counts = optimizer.StepCounts();
        if (writer)
            File.WriteAllText(Path.Combine(save, "steps.json"), new JsonObject(Names.Select((n, i) => KeyValuePair.Create(n, (JsonNode?)counts[i]))).ToJsonString());
        long own = Enumerable.Range(0, ps.Length).Where(optimizer.Owns).Sum(i => (optimizer.HasMasterCopy(i) ? 3 : 2) * ps[i].numel());
        return new Result(ps.Select(Floats).ToArray(), masters?.Select(Floats).ToArray(), counts, norms.ToArray(), optimizer.StateElements, own,
            optimizer.PeakSaveBufferElements, optimizer.SaveElementsReceived, Enumerable.Range(0, ps.Length).Select(optimizer.Owns).ToArray());
    }

    private static async Task<Result[]> TwoRanks(Func<DataParallel, Result> train)
    {
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
            return train(new DataParallel(context));
        }
        return await Task.WhenAll(Task.Run(() => Rank(0)), Task.Run(() => Rank(1))).WaitAsync(TimeSpan.FromSeconds(120));
    }

    /// <summary>Every tensor of a saved optimizer state, by key, read through its index.</summary>
    private static Dictionary<string, float[]> SavedState(string dir)
    {
        var map = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, OptimizerShardFiles.IndexFile)))!["weight_map"]!.AsObject();
        var result = new Dictionary<string, float[]>();
        foreach (var file in map.Select(kv => kv.Value!.GetValue<string>()).Distinct())
            foreach (var (key, t) in TensorFiles.Read(Path.Combine(dir, file)))
                using (t)
                    result[key] = Floats(t);
        return result;
    }

    [Fact]
    public async Task Zero1OnTwoRanks_MatchesZero0_HoldingPartOfTheState()
    {
        using var dir = new TempDir();
        var single = Train(new DataParallel(DistributedContext.Single), shard: false, dir["single"]);
        var ranks = await TwoRanks(dp => Train(dp, shard: true, dir["zero1"]));

        long total = 2 * Shapes.Sum(s => s.Aggregate(1L, (a, b) => a * b));
        Assert.Equal(total, single.StateElements);
        foreach (var r in ranks)
        {
            // Sharded: each rank holds the moments of some parameters only, and together they hold all of them once.
            Assert.InRange(r.StateElements, 1, total - 1);
            for (int i = 0; i < Shapes.Length; i++)
                Assert.True(Close(single.Weights[i], r.Weights[i]), $"parameter {i}: weights differ from ZeRO-0");
            Assert.True(single.Norms.Zip(r.Norms).All(n => Math.Abs(n.First - n.Second) <= 1e-5 * n.First), $"gradient norms {string.Join(", ", r.Norms)} differ from ZeRO-0's {string.Join(", ", single.Norms)}");
        }
        Assert.True(single.Norms.All(n => n > MaxNorm), "the gradients were clipped");
        Assert.Equal(Enumerable.Repeat((long)Steps, Shapes.Length), ranks[0].StepCounts);
        Assert.Null(ranks[1].Masters); // only the writer receives the master weights
        for (int i = 0; i < Shapes.Length; i++)
            Assert.True(Close(single.Masters![i], ranks[0].Masters![i]), $"parameter {i}: master weights differ from ZeRO-0");
        Assert.Equal(total, ranks.Sum(r => r.StateElements));
        Assert.All(Enumerable.Range(0, Shapes.Length), i => Assert.True(ranks[0].Owned[i] ^ ranks[1].Owned[i], $"parameter {i} must have one owner"));
        // The bf16 parameters moved by less than their resolution in places: the master weights carry that.
        Assert.NotEqual(single.Weights[1], single.Masters![1]);

        // One shard file per owner, the same tensors as the single process's one file.
        Assert.True(File.Exists(dir["zero1/" + OptimizerShardFiles.ShardName(0, 2)]) && File.Exists(dir["zero1/" + OptimizerShardFiles.ShardName(1, 2)]));
        Assert.True(File.Exists(dir["single/" + OptimizerShardFiles.ShardName(0, 1)]));
        var expected = SavedState(dir["single"]);
        var saved = SavedState(dir["zero1"]);
        Assert.Equal(expected.Keys.Order(), saved.Keys.Order());
        Assert.All(expected, kv => Assert.True(Close(kv.Value, saved[kv.Key]), $"{kv.Key} differs from ZeRO-0's"));
    }

    [Fact]
    public async Task Zero1Save_NonWriterHoldsAtMostItsOwnState()
    {
        using var dir = new TempDir();
        var ranks = await TwoRanks(dp => Train(dp, shard: true, dir.Path));
        long full = Shapes.Select((s, i) => (Dtypes[i] == ScalarType.Float32 ? 2 : 3) * s.Aggregate(1L, (a, b) => a * b)).Sum();
        var (writer, nonWriter) = (ranks[0], ranks[1]);
        Assert.True(nonWriter.OwnStateElements is > 0 && nonWriter.OwnStateElements < full, $"rank 1 owns {nonWriter.OwnStateElements} of {full} state elements");
        // It sends its own state, one bucket at a time, and receives nothing; gathering the whole state on every
        // rank (as before the shards) would have it receive everything rank 0 owns.
        Assert.Equal(0, nonWriter.Received);
        Assert.InRange(nonWriter.PeakSaveBuffer, 1, nonWriter.OwnStateElements);
        // The writer receives exactly what it does not own, never its own state back, and the others' master copies
        // once more for the model folder.
        long remoteMasters = Enumerable.Range(0, Shapes.Length).Where(i => !writer.Owned[i] && Dtypes[i] != ScalarType.Float32).Sum(i => Shapes[i].Aggregate(1L, (a, b) => a * b));
        Assert.Equal(full - writer.OwnStateElements + remoteMasters, writer.Received);
    }

    [Fact]
    public async Task Checkpoint_ResumesAcrossWorldSizes()
    {
        using var dir = new TempDir();
        var first = Train(new DataParallel(DistributedContext.Single), shard: false, dir["one-a"]);
        var reference = Train(new DataParallel(DistributedContext.Single), shard: false, dir["one-b"], from: Steps, start: first.Masters, resume: dir["one-a"]);

        // One process's checkpoint, resumed by two ZeRO-1 ranks.
        var ranks = await TwoRanks(dp => Train(dp, shard: true, dir["two-b"], from: Steps, start: first.Masters, resume: dir["one-a"]));
        for (int i = 0; i < Shapes.Length; i++)
            Assert.True(Close(reference.Masters![i], ranks[0].Masters![i]), $"parameter {i}: 1 process → 2 ranks: master weights differ");

        // Two ZeRO-1 ranks' checkpoint (two shard files), resumed by one process.
        var sharded = await TwoRanks(dp => Train(dp, shard: true, dir["two-a"]));
        var resumed = Train(new DataParallel(DistributedContext.Single), shard: false, dir["one-c"], from: Steps, start: sharded[0].Masters, resume: dir["two-a"]);
        for (int i = 0; i < Shapes.Length; i++)
            Assert.True(Close(reference.Masters![i], resumed.Masters![i]), $"parameter {i}: 2 ranks → 1 process: master weights differ");
        Assert.Equal(Enumerable.Repeat(2L * Steps, Shapes.Length), resumed.StepCounts);
    }

    [Fact]
    public void CorruptShard_FailsNamingTheFile()
    {
        using var dir = new TempDir();
        Train(new DataParallel(DistributedContext.Single), shard: false, dir.Path);
        var shard = dir[OptimizerShardFiles.ShardName(0, 1)];
        File.WriteAllBytes(shard, [1, 2, 3]);
        var e = Assert.Throws<InvalidDataException>(() => Train(new DataParallel(DistributedContext.Single), shard: false, dir["again"], resume: dir.Path));
        Assert.Contains(shard, e.Message);
        File.Delete(shard);
        var missing = Assert.Throws<FileNotFoundException>(() => Train(new DataParallel(DistributedContext.Single), shard: false, dir["again"], resume: dir.Path));
        Assert.Contains(shard, missing.Message);

        // An index whose entry is not a file name (a number, a path out of the folder) names the index and the parameter.
        var index = dir[OptimizerShardFiles.IndexFile];
        var text = File.ReadAllText(index);
        foreach (var bad in new[] { "3", "\"../x.safetensors\"" })
        {
            File.WriteAllText(index, System.Text.RegularExpressions.Regex.Replace(text, "\"optimizer-shard-0-of-1\\.safetensors\"", bad));
            var wrong = Assert.Throws<InvalidDataException>(() => Train(new DataParallel(DistributedContext.Single), shard: false, dir["again"], resume: dir.Path));
            Assert.Contains(index, wrong.Message);
            Assert.Contains("no optimizer shard for", wrong.Message);
        }
    }

    [Fact]
    public void SingleFileCheckpointFromBeforeTheShards_StillResumes()
    {
        using var dir = new TempDir();
        var first = Train(new DataParallel(DistributedContext.Single), shard: false, dir["sharded"]);
        var reference = Train(new DataParallel(DistributedContext.Single), shard: false, dir["b"], from: Steps, start: first.Masters, resume: dir["sharded"]);
        // The old layout: every tensor in one optimizer.safetensors, no index.
        Directory.CreateDirectory(dir["legacy"]);
        File.Copy(dir["sharded/" + OptimizerShardFiles.ShardName(0, 1)], dir["legacy/" + OptimizerShardFiles.LegacyFile]);
        File.Copy(dir["sharded/steps.json"], dir["legacy/steps.json"]);
        var resumed = Train(new DataParallel(DistributedContext.Single), shard: false, dir["c"], from: Steps, start: first.Masters, resume: dir["legacy"]);
        for (int i = 0; i < Shapes.Length; i++)
            Assert.Equal(reference.Masters![i], resumed.Masters![i]);
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
