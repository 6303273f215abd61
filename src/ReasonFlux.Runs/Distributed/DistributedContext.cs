using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Runs.Distributed;

/// <summary>A collective failed or timed out; the message names this rank and the operation.</summary>
public sealed class DistributedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The one place that knows the run's ranks: this process's rank and local rank, the world size, the c10d process
/// group and the collectives the trainers use. The CLI builds it once (<see cref="Join"/>) and every stage receives
/// it through <see cref="StageContext.Distributed"/>; with one process (<see cref="Single"/>) every collective is
/// the identity and nothing connects. Rank 0 is the run's only writer (<see cref="IsWriter"/>).
/// </summary>
public sealed class DistributedContext : IDisposable
{
    private readonly torch.distributed.ProcessGroup? _group;

    private DistributedContext(ProcessLayout layout, torch.distributed.ProcessGroup? group, Device collectiveDevice, TimeSpan timeout, bool shardOptimizerState = false)
    {
        Layout = layout;
        _group = group;
        CollectiveDevice = collectiveDevice;
        Timeout = timeout;
        ShardOptimizerState = shardOptimizerState;
    }

    /// <summary>One process: rank 0 of 1, collectives are no-ops.</summary>
    public static DistributedContext Single { get; } = new(ProcessLayout.Single, null, Device.CPU, TimeSpan.FromSeconds(600));

    public ProcessLayout Layout { get; }
    public int Rank => Layout.Rank;
    public int WorldSize => Layout.WorldSize;
    public int LocalRank => Layout.LocalRank;
    public int LocalWorldSize => Layout.LocalWorldSize;

    /// <summary>True for more than one process.</summary>
    public bool IsDistributed => WorldSize > 1;

    /// <summary>Rank 0: the only process that writes the run folder (logs, metrics, TensorBoard, checkpoints, outputs).</summary>
    public bool IsWriter => Rank == 0;

    /// <summary>Where collective tensors must live: the CPU for Gloo, this rank's GPU for NCCL.</summary>
    public Device CollectiveDevice { get; }

    /// <summary>distributed.timeout_s: how long a collective may wait for the other ranks.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>distributed.zero: 1: each rank holds and steps the optimizer state of its share of the parameters only.</summary>
    public bool ShardOptimizerState { get; }

    /// <summary>
    /// Joins the other ranks of <paramref name="layout"/> (blocking until all have joined or <paramref name="timeout"/>
    /// passes). NCCL collectives run on <paramref name="collectiveDevice"/>, this rank's GPU.
    /// <paramref name="shardOptimizerState"/>: distributed.zero is 1.
    /// </summary>
    public static DistributedContext Join(ProcessLayout layout, torch.distributed.Backend backend, Device collectiveDevice, TimeSpan timeout, bool shardOptimizerState = false)
    {
        if (layout.WorldSize == 1) return new DistributedContext(layout, null, collectiveDevice, timeout, shardOptimizerState);
        if (backend == torch.distributed.Backend.Gloo) collectiveDevice = Device.CPU;
        try
        {
            var group = torch.distributed.ProcessGroup.Create(backend, layout.Rank, layout.WorldSize, layout.MasterAddress, layout.MasterPort, timeout);
            return new DistributedContext(layout, group, collectiveDevice, timeout, shardOptimizerState);
        }
        catch (TorchException e)
        {
            throw new DistributedException($"rank {layout.Rank}: joining the {layout.WorldSize} ranks at {layout.MasterAddress}:{layout.MasterPort} ({backend}) failed within {timeout.TotalSeconds:F0} s: {e.Message}", e);
        }
    }

    /// <summary>In place: the sum over ranks.</summary>
    public void AllReduceSum(Tensor t)
    {
        if (_group is null) return;
        Collective("all-reduce", () => _group.all_reduce_sum(t));
    }

    /// <summary>In place: rank <paramref name="root"/>'s values on every rank.</summary>
    public void Broadcast(Tensor t, int root = 0)
    {
        if (_group is null) return;
        Collective("broadcast", () => _group.broadcast(t, root));
    }

    /// <summary>In place on <paramref name="root"/>: the sum over ranks (the others' tensors keep what they sent).</summary>
    public void ReduceSum(Tensor t, int root)
    {
        if (_group is null) return;
        Collective("reduce", () => _group.reduce_sum(t, root));
    }

    /// <summary>Every rank's <paramref name="t"/> stacked along a new first dimension [world, ...].</summary>
    public Tensor AllGather(Tensor t)
    {
        if (_group is null) return t.unsqueeze(0);
        Tensor result = null!;
        Collective("all-gather", () => result = _group.all_gather(t));
        return result;
    }

    /// <summary>Blocks until every rank got here.</summary>
    public void Barrier()
    {
        if (_group is null) return;
        Collective("barrier", _group.barrier);
    }

    /// <summary>Element-wise sums over ranks of a few numbers (metrics, token counts), in float64.</summary>
    public double[] Sum(params double[] values)
    {
        if (_group is null) return values;
        using var scope = NewDisposeScope();
        var t = tensor(values, device: CollectiveDevice);
        AllReduceSum(t);
        return t.to(Device.CPU).ToArray<double>();
    }

    /// <summary>The largest of every rank's <paramref name="value"/> (a metric's maximum over the ranks).</summary>
    public double Max(double value)
    {
        if (_group is null) return value;
        using var scope = NewDisposeScope();
        return AllGather(tensor(new[] { value }, device: CollectiveDevice)).max().to(Device.CPU).ToDouble();
    }

    /// <summary>True on every rank when it is true on any (a signal seen by one rank stops all at the same step).</summary>
    public bool Any(bool flag) => Sum(flag ? 1 : 0)[0] > 0;

    /// <summary>Runs <paramref name="action"/> on the writer, then on the others once it finished (files they read after it wrote them).</summary>
    public void WriterFirst(Action action)
    {
        if (IsWriter) action();
        Barrier();
        if (!IsWriter) action();
    }

    private void Collective(string name, Action action)
    {
        try
        {
            action();
        }
        catch (TorchException e)
        {
            throw new DistributedException($"rank {Rank} of {WorldSize}: {name} failed (another rank died, or did not join within distributed.timeout_s = {Timeout.TotalSeconds:F0} s): {e.Message}", e);
        }
    }

    public void Dispose() => _group?.Dispose();
}
