using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Common;

/// <summary>
/// A training stage's AdamW. ZeRO-0 (distributed.zero: 0, or one process): every rank holds the moments and master
/// weights of every parameter and takes the same step. ZeRO-1: parameter i's moments and master weight live only on
/// its owner rank (<see cref="ParameterShards"/>); each gradient bucket is reduced onto its owner (not all-reduced),
/// each rank steps its own parameters and then broadcasts their new values from each owner in flat buckets, so a
/// rank holds about 1/world of the optimizer state and every rank ends the step with the weights ZeRO-0 computes.
/// Saving (<see cref="WriterMasterWeights"/>, <see cref="StreamToWriter"/>) is a collective every rank calls: the
/// owners stream their state to the writer bucket by bucket, so no rank ever holds all of it; state is keyed by
/// parameter, so a checkpoint resumes with any world size and either stage.
/// </summary>
public sealed class StageOptimizer : IDisposable
{
    private readonly Tensor[] _parameters;
    private readonly DataParallel _dataParallel;
    private readonly int[]? _owners;   // null: ZeRO-0, every rank steps every parameter
    private readonly int[] _local;     // parameter i's index in _adamw; -1 where another rank owns it
    private readonly optim.AdamW? _adamw; // null when this rank owns no parameter

    public StageOptimizer(IEnumerable<Tensor> parameters, DataParallel dataParallel, bool shardState,
        double lr, double beta1, double beta2, double eps, double weightDecay, ScalarType? masterDtype)
    {
        _parameters = parameters.ToArray();
        _dataParallel = dataParallel;
        MasterDtype = masterDtype;
        if (shardState && dataParallel.WorldSize > 1)
            _owners = ParameterShards.Owners(_parameters.Select(p => p.numel()).ToArray(), dataParallel.WorldSize);
        _local = new int[_parameters.Length];
        var owned = new List<Tensor>();
        for (int i = 0; i < _parameters.Length; i++)
        {
            _local[i] = Owns(i) ? owned.Count : -1;
            if (Owns(i)) owned.Add(_parameters[i]);
        }
        if (owned.Count > 0) _adamw = new optim.AdamW(owned, lr, beta1, beta2, eps, weightDecay, masterDtype);
    }

    /// <summary>Every parameter, in the order the optimizer was given them (named_parameters order).</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>The dtype of master weights and moments for narrower parameters; null: each in its own dtype.</summary>
    public ScalarType? MasterDtype { get; }

    /// <summary>ZeRO-1 with more than one rank: this rank holds the state of its own parameters only.</summary>
    public bool IsSharded => _owners is not null;

    /// <summary>ZeRO-1: the owner rank of each parameter; ZeRO-0: every parameter's state is on every rank, rank 0 saves it.</summary>
    public IReadOnlyList<int> Owners => _owners ?? new int[_parameters.Length];

    /// <summary>How many optimizer shard files a checkpoint of this optimizer has: one per owner rank.</summary>
    public int ShardCount => _owners is null ? 1 : _dataParallel.WorldSize;

    /// <summary>Seam for tests: the most state elements this rank held at once in a save's buckets (sent or received).</summary>
    public long PeakSaveBufferElements { get; private set; }

    /// <summary>Seam for tests: state elements of other ranks this rank received while saving (the writer: all it does not own; world 2's other rank: none).</summary>
    public long SaveElementsReceived { get; private set; }

    /// <summary>Whether this rank steps parameter <paramref name="index"/> and holds its moments.</summary>
    public bool Owns(int index) => _owners is null || _owners[index] == _dataParallel.Rank;

    /// <summary>Elements of moment state this rank holds (exp_avg and exp_avg_sq together).</summary>
    public long StateElements => 2 * Enumerable.Range(0, _parameters.Length).Where(Owns).Sum(i => _parameters[i].numel());

    /// <summary>What this rank holds under ZeRO-1, for the log: its parameters and moment elements against the whole model's.</summary>
    public string DescribeShard()
    {
        long all = 2 * _parameters.Sum(p => p.numel());
        int owned = Enumerable.Range(0, _parameters.Length).Count(Owns);
        return $"ZeRO-1: rank {_dataParallel.Rank} of {_dataParallel.WorldSize} holds the AdamW moments and master weights of {owned} of {_parameters.Length} parameters ({StateElements} of {all} moment elements)";
    }

    /// <summary>
    /// Sums the gradients over the ranks, where they are needed: ZeRO-0 all-reduces them (every rank steps every
    /// parameter); ZeRO-1 reduces each onto its owner and drops the rest.
    /// </summary>
    public void ReduceGradients()
    {
        if (_owners is null) _dataParallel.AllReduceGradients(_parameters);
        else _dataParallel.ReduceGradientsToOwners(_parameters, _owners);
    }

    /// <summary>
    /// Scales the summed gradients to a global L2 norm of at most <paramref name="maxNorm"/> (0 measures without
    /// clipping) and returns the norm before clipping, the same on every rank. Under ZeRO-1 a rank holds only its
    /// own gradients, so the owners' squared norms are summed over the ranks (one scalar) first.
    /// </summary>
    public double ClipGradNorm(double maxNorm)
    {
        if (_owners is null) return nn.utils.clip_grad_norm_(_parameters, maxNorm);
        var owned = Enumerable.Range(0, _parameters.Length).Where(Owns).Select(i => _parameters[i]).ToArray();
        double local = nn.utils.clip_grad_norm_(owned, 0);
        double total = Math.Sqrt(_dataParallel.Distributed.Sum(local * local)[0]);
        double coef = maxNorm / (total + 1e-6); // torch.nn.utils.clip_grad_norm_'s rule
        if (maxNorm > 0 && coef < 1.0)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            foreach (var p in owned) p.grad?.mul_(coef);
        }
        return total;
    }

    /// <summary>One AdamW step at <paramref name="learningRate"/> on gradients already summed by <see cref="ReduceGradients"/> (every rank calls it).</summary>
    public void Step(double learningRate)
    {
        _adamw?.step(learningRate);
        if (_owners is not null) _dataParallel.BroadcastFromOwners(_parameters, _owners);
    }

    /// <summary>Drops every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        if (_owners is null)
        {
            _adamw!.zero_grad();
            return;
        }
        foreach (var p in _parameters) p.grad = null;
    }

    /// <summary>ZeRO-0: every parameter's full-precision value (aliases; this rank holds them all). Caller disposes.</summary>
    public Tensor[] LocalMasterWeights() => IsSharded
        ? throw new InvalidOperationException("under ZeRO-1 a rank holds its own parameters' master weights only")
        : Enumerable.Range(0, _parameters.Length).Select(i => _adamw!.MasterWeight(_local[i])).ToArray();

    /// <summary>
    /// Every parameter's full-precision value on the writer (what its model folder holds), null on the other ranks;
    /// a collective. Aliases where the writer holds them: its own master copies, and every parameter without a master
    /// copy (identical on every rank); the master copies of other owners are streamed to it and kept on its CPU, so
    /// they never take accelerator memory. Caller disposes.
    /// </summary>
    public Tensor[]? WriterMasterWeights()
    {
        using var scope = NewDisposeScope();
        // Every rank lists the same tensors to send: the master copies that ranks other than the writer (0) own.
        var remote = Enumerable.Range(0, _parameters.Length).Where(i => ShardOf(i) != 0 && HasMasterCopy(i)).ToList();
        var sent = remote.Select(i => new OwnedTensor(ShardOf(i), _parameters[i].shape, StateDtype(i), Owns(i) ? _adamw!.MasterWeight(_local[i]) : null)).ToList();
        if (!_dataParallel.Distributed.IsWriter)
        {
            _dataParallel.StreamToWriter(sent, (_, _) => { }, NoteBuffer);
            return null;
        }
        var values = new Tensor[_parameters.Length];
        for (int i = 0; i < values.Length; i++)
            values[i] = remote.Contains(i) ? empty(_parameters[i].shape, StateDtype(i), Device.CPU)
                : Owns(i) ? _adamw!.MasterWeight(_local[i])
                : _parameters[i].alias();
        _dataParallel.StreamToWriter(sent, (k, t) => values[remote[k]].copy_(t), NoteBuffer);
        foreach (var v in values) v.MoveToOuterDisposeScope();
        return values;
    }

    /// <summary>Every saved state tensor of every parameter: its moments, and its master copy where it has one.</summary>
    public IReadOnlyList<StateEntry> Entries()
    {
        var entries = new List<StateEntry>();
        for (int i = 0; i < _parameters.Length; i++)
        {
            entries.Add(new StateEntry(i, StateKind.ExpAvg));
            entries.Add(new StateEntry(i, StateKind.ExpAvgSq));
            if (HasMasterCopy(i)) entries.Add(new StateEntry(i, StateKind.Master));
        }
        return entries;
    }

    /// <summary>The rank whose shard file holds parameter <paramref name="index"/>'s state: its owner (ZeRO-0: rank 0).</summary>
    public int ShardOf(int index) => _owners?[index] ?? 0;

    /// <summary>The shape of an entry (its parameter's).</summary>
    public long[] ShapeOf(StateEntry entry) => _parameters[entry.Parameter].shape;

    /// <summary>The dtype an entry is held and saved in.</summary>
    public ScalarType DtypeOf(StateEntry entry) => StateDtype(entry.Parameter);

    /// <summary>
    /// A collective: hands <paramref name="entries"/> (of one shard, in order) to <paramref name="write"/> on the
    /// writer, each tensor valid during the call only; their owner sends them bucket by bucket and keeps no copy.
    /// </summary>
    public void StreamToWriter(IReadOnlyList<StateEntry> entries, Action<int, Tensor> write)
    {
        using var scope = NewDisposeScope();
        int rank = _dataParallel.Rank;
        var sent = entries.Select(e => new OwnedTensor(ShardOf(e.Parameter), ShapeOf(e), DtypeOf(e), ShardOf(e.Parameter) == rank ? Local(e) : null)).ToList();
        _dataParallel.StreamToWriter(sent, write, NoteBuffer);
    }

    /// <summary>Every parameter's AdamW step count on the writer (the owners' counts summed over the ranks; a collective).</summary>
    public long[] StepCounts()
    {
        using var scope = NewDisposeScope();
        int n = _parameters.Length;
        var mine = new double[n];
        for (int i = 0; i < n; i++)
            if (ShardOf(i) == _dataParallel.Rank) mine[i] = _adamw!.GetState(_local[i]).Step;
        // Each parameter has one owner, so summing every rank's counts (0 where it is not the owner) gives the owner's.
        var all = _owners is null ? mine : _dataParallel.Distributed.Sum(mine);
        return all.Select(c => (long)c).ToArray();
    }

    /// <summary>Restores parameter i's full-precision value: into its master copy where this rank owns it, and into the parameter.</summary>
    public void SetMasterWeight(int index, Tensor value)
    {
        if (Owns(index))
        {
            _adamw!.SetMasterWeight(_local[index], value);
            return;
        }
        using var noGrad = no_grad();
        _parameters[index].copy_(value);
    }

    /// <summary>Restores parameter i's moments and step count where this rank owns it (the others' are not held here).</summary>
    public void SetState(int index, Tensor expAvg, Tensor expAvgSq, long step)
    {
        if (Owns(index)) _adamw!.SetState(_local[index], expAvg, expAvgSq, step);
    }

    /// <summary>Whether parameter i has a master copy wider than itself (saved, since its own dtype would lose the updates below its resolution).</summary>
    public bool HasMasterCopy(int index) => StateDtype(index) != _parameters[index].dtype;

    private Tensor Local(StateEntry e)
    {
        int k = _local[e.Parameter];
        if (e.Kind == StateKind.Master) return _adamw!.MasterWeight(k);
        var (m, v, _) = _adamw!.GetState(k);
        return e.Kind == StateKind.ExpAvg ? m : v;
    }

    private void NoteBuffer(long elements, bool received)
    {
        PeakSaveBufferElements = Math.Max(PeakSaveBufferElements, elements);
        if (received) SaveElementsReceived += elements;
    }

    /// <summary>The dtype of parameter i's master copy and moments.</summary>
    private ScalarType StateDtype(int index)
    {
        var p = _parameters[index];
        return MasterDtype is { } m && p.dtype.IsFloatingPoint() && p.dtype != m ? m : p.dtype;
    }

    public void Dispose() => _adamw?.Dispose();
}

/// <summary>Which of a parameter's optimizer tensors an entry is.</summary>
public enum StateKind { ExpAvg, ExpAvgSq, Master }

/// <summary>One saved optimizer tensor: parameter <see cref="Parameter"/>'s (index in parameter order) <see cref="Kind"/>.</summary>
public readonly record struct StateEntry(int Parameter, StateKind Kind);
