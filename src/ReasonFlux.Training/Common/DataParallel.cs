using ReasonFlux.Runs.Distributed;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Common;

/// <summary>
/// Data parallelism on c10d, DDP's recipe without its hooks: every rank holds a replica; weights start identical
/// (broadcast from rank 0, then a checksum compared across ranks); each rank runs forward/backward on its share of
/// the global batch with the loss already divided by the global normaliser; the gradients are then summed over
/// ranks in flat buckets (a few collectives per step, not one per parameter), so every rank takes the same
/// optimizer step. With one process every method is the identity.
/// </summary>
public sealed class DataParallel
{
    /// <summary>Gradient bytes per all-reduce (PyTorch DDP's default bucket_cap_mb is 25).</summary>
    public const long BucketBytes = 25L << 20;

    private readonly DistributedContext _distributed;

    public DataParallel(DistributedContext distributed) => _distributed = distributed;

    public DistributedContext Distributed => _distributed;

    public int Rank => _distributed.Rank;
    public int WorldSize => _distributed.WorldSize;

    /// <summary>
    /// This rank's contiguous share of a global batch: rows [rank·n/world, (rank+1)·n/world). The global batch
    /// holds micro_batch_size × grad_accumulation × world sequences, so every rank gets the same count.
    /// </summary>
    public IReadOnlyList<T> Shard<T>(IReadOnlyList<T> globalBatch)
    {
        if (WorldSize == 1) return globalBatch;
        if (globalBatch.Count % WorldSize != 0)
            throw new ArgumentException($"a global batch of {globalBatch.Count} does not split evenly over {WorldSize} ranks", nameof(globalBatch));
        int n = globalBatch.Count / WorldSize;
        return Enumerable.Range(Rank * n, n).Select(i => globalBatch[i]).ToList();
    }

    /// <summary>
    /// Makes the run's weights everyone's, then compares checksums. ZeRO-0: rank 0's full-precision values (master
    /// weights, or the parameters when there are none) are broadcast and cast into the parameters. ZeRO-1: each owner
    /// already cast its master weights into its parameters, so the parameters are broadcast from their owners; no
    /// rank holds another's master weights.
    /// </summary>
    public void SynchronizeWeights(StageOptimizer optimizer)
    {
        if (WorldSize == 1) return;
        using var scope = NewDisposeScope();
        if (optimizer.IsSharded)
        {
            BroadcastFromOwners(optimizer.Parameters, optimizer.Owners);
            CheckIdentical(optimizer.Parameters, "parameters after the broadcast");
            return;
        }
        var masters = optimizer.LocalMasterWeights();
        BroadcastFromOwners(masters, new int[masters.Length]);
        for (int i = 0; i < masters.Length; i++) optimizer.SetMasterWeight(i, masters[i]);
        CheckIdentical(masters, "weights after the broadcast");
        CheckIdentical(optimizer.Parameters, "parameters after the broadcast");
    }

    /// <summary>In place on every rank: tensor i takes rank <paramref name="owners"/>[i]'s values (flat buckets, one broadcast each).</summary>
    public void BroadcastFromOwners(IReadOnlyList<Tensor> tensors, IReadOnlyList<int> owners)
    {
        if (WorldSize == 1) return;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        ForEachOwnerBucket(tensors, owners, (root, bucket, flat) =>
        {
            _distributed.Broadcast(flat, root);
            Unflatten(flat, bucket.Select(i => tensors[i]).ToList());
        });
    }

    /// <summary>Sums every parameter's gradient over the ranks (a missing gradient counts as zero).</summary>
    public void AllReduceGradients(IReadOnlyList<Tensor> parameters)
    {
        if (WorldSize == 1) return;
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            var grads = Gradients(parameters);
            foreach (var bucket in Buckets(grads, Enumerable.Range(0, grads.Length)))
            {
                using var bucketScope = NewDisposeScope(); // frees each bucket's flat copy before the next
                var members = bucket.Select(i => grads[i]).ToList();
                var flat = Flatten(members);
                _distributed.AllReduceSum(flat);
                Unflatten(flat, members);
            }
        }
    }

    /// <summary>
    /// ZeRO-1: sums each parameter's gradient over the ranks onto its owner only (a reduce per flat bucket: half an
    /// all-reduce's traffic), and drops the gradients this rank does not own, since another rank steps them.
    /// </summary>
    public void ReduceGradientsToOwners(IReadOnlyList<Tensor> parameters, IReadOnlyList<int> owners)
    {
        if (WorldSize == 1) return;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var grads = Gradients(parameters);
        ForEachOwnerBucket(grads, owners, (root, bucket, flat) =>
        {
            _distributed.ReduceSum(flat, root);
            if (root == Rank)
            {
                Unflatten(flat, bucket.Select(i => grads[i]).ToList());
                return;
            }
            // Another rank steps these: their gradients are freed now, bucket by bucket, not at the end.
            foreach (var i in bucket)
            {
                parameters[i].grad = null;
                grads[i].Dispose();
            }
        });
    }

    /// <summary>
    /// Hands <paramref name="tensors"/>, in order, to <paramref name="write"/> on the writer (rank 0) alone; the
    /// others call it too and send what they own. Consecutive tensors of one owner and dtype travel as one flat
    /// bucket of at most <see cref="BucketBytes"/>, broadcast from the owner (bit exact, unlike a reduce onto zeros,
    /// which turns -0.0 into 0.0), so a rank holds at most one bucket beyond its own state. The writer's own tensors
    /// are not sent. <paramref name="buffer"/> sees the element count of every bucket this rank allocates, and whether
    /// it holds another rank's values (received) or its own (sent).
    /// </summary>
    public void StreamToWriter(IReadOnlyList<OwnedTensor> tensors, Action<int, Tensor> write, Action<long, bool>? buffer = null)
    {
        using var noGrad = no_grad();
        int start = 0;
        while (start < tensors.Count)
        {
            var first = tensors[start];
            int end = start;
            long bytes = 0;
            while (end < tensors.Count && tensors[end].Owner == first.Owner && tensors[end].Dtype == first.Dtype
                   && (end == start || bytes + tensors[end].Elements * first.Dtype.ElementSize() <= BucketBytes))
                bytes += tensors[end++].Elements * first.Dtype.ElementSize();
            SendBucket(tensors, start, end, write, buffer);
            start = end;
        }
    }

    private void SendBucket(IReadOnlyList<OwnedTensor> tensors, int start, int end, Action<int, Tensor> write, Action<long, bool>? buffer)
    {
        int owner = tensors[start].Owner;
        bool isWriter = _distributed.IsWriter;
        if (owner == 0)
        {
            if (isWriter)
                for (int i = start; i < end; i++) write(i, tensors[i].Local ?? throw new InvalidOperationException($"rank 0 owns tensor {i} but does not hold it"));
            return;
        }
        using var scope = NewDisposeScope();
        long elements = 0;
        for (int i = start; i < end; i++) elements += tensors[i].Elements;
        buffer?.Invoke(elements, owner != Rank);
        var flat = owner == Rank
            ? Flatten(Enumerable.Range(start, end - start).Select(i => tensors[i].Local ?? throw new InvalidOperationException($"rank {Rank} owns tensor {i} but does not hold it")))
            : empty([elements], tensors[start].Dtype, _distributed.CollectiveDevice);
        _distributed.Broadcast(flat, owner);
        if (!isWriter) return;
        long offset = 0;
        for (int i = start; i < end; i++)
        {
            write(i, flat.narrow(0, offset, tensors[i].Elements).reshape(tensors[i].Shape));
            offset += tensors[i].Elements;
        }
    }

    /// <summary>Throws, naming the ranks, unless <paramref name="tensors"/> are bit-for-bit the same on every rank (by a float64 sum and sum of squares).</summary>
    public void CheckIdentical(IReadOnlyList<Tensor> tensors, string what)
    {
        if (WorldSize == 1) return;
        using var scope = NewDisposeScope();
        double sum = 0, squares = 0;
        using (no_grad())
            foreach (var t in tensors)
            {
                var d = t.to(ScalarType.Float64);
                sum += d.sum().ToDouble();
                squares += d.mul(d).sum().ToDouble();
            }
        var all = _distributed.AllGather(tensor(new[] { sum, squares }, device: _distributed.CollectiveDevice)).to(Device.CPU).ToArray<double>();
        var differing = Enumerable.Range(1, WorldSize - 1).Where(r => all[2 * r] != all[0] || all[2 * r + 1] != all[1]).ToList();
        if (differing.Count > 0)
            throw new DistributedException($"rank {Rank}: {what} differ from rank 0's on rank(s) {string.Join(", ", differing)} (checksum {all[0]:R}/{all[1]:R} on rank 0)");
    }

    /// <summary>Every parameter's gradient; a missing one becomes zeros, since every rank must contribute the same buckets and a parameter this rank's batch did not reach adds zero.</summary>
    private static Tensor[] Gradients(IReadOnlyList<Tensor> parameters)
    {
        var grads = new Tensor[parameters.Count];
        for (int i = 0; i < parameters.Count; i++)
        {
            parameters[i].grad ??= zeros(parameters[i].shape, parameters[i].dtype, parameters[i].device);
            grads[i] = parameters[i].grad!;
        }
        return grads;
    }

    /// <summary>
    /// For each owner rank in turn, each flat bucket of the tensors it owns: <paramref name="run"/> gets the owner, the
    /// bucket's indices and its tensors' flat copy on the collective device, which is freed before the next bucket.
    /// </summary>
    private void ForEachOwnerBucket(IReadOnlyList<Tensor> tensors, IReadOnlyList<int> owners, Action<int, List<int>, Tensor> run)
    {
        for (int root = 0; root < WorldSize; root++)
        {
            var owned = Enumerable.Range(0, tensors.Count).Where(i => owners[i] == root).ToList();
            foreach (var bucket in Buckets(tensors, owned))
            {
                // One bucket's flat copy at a time: a scope over the whole loop would keep every bucket's until the end.
                using var bucketScope = NewDisposeScope();
                run(root, bucket, Flatten(bucket.Select(i => tensors[i])));
            }
        }
    }

    /// <summary>Groups of <paramref name="indices"/> of same-dtype tensors holding at most <see cref="BucketBytes"/> each (a larger tensor gets its own).</summary>
    private static IEnumerable<List<int>> Buckets(IReadOnlyList<Tensor> tensors, IEnumerable<int> indices)
    {
        foreach (var group in indices.GroupBy(i => tensors[i].dtype))
        {
            var bucket = new List<int>();
            long bytes = 0;
            foreach (var i in group)
            {
                long size = tensors[i].numel() * group.Key.ElementSize();
                if (bucket.Count > 0 && bytes + size > BucketBytes)
                {
                    yield return bucket;
                    bucket = [];
                    bytes = 0;
                }
                bucket.Add(i);
                bytes += size;
            }
            if (bucket.Count > 0) yield return bucket;
        }
    }

    private Tensor Flatten(IEnumerable<Tensor> tensors) =>
        cat(tensors.Select(t => t.reshape(-1)).ToList()).to(_distributed.CollectiveDevice);

    private static void Unflatten(Tensor flat, IReadOnlyList<Tensor> into)
    {
        long offset = 0;
        foreach (var t in into)
        {
            long n = t.numel();
            t.copy_(flat.narrow(0, offset, n).reshape(t.shape).to(t.device));
            offset += n;
        }
    }
}

/// <summary>A tensor streamed to the writer: its owner, shape and dtype are known on every rank, its values only on the owner (<see cref="Local"/>).</summary>
public sealed record OwnedTensor(int Owner, long[] Shape, ScalarType Dtype, Tensor? Local)
{
    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);
}
