using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Common;

/// <summary>
/// A training stage's AdamW. ZeRO-0 (distributed.zero: 0, or one process): every rank holds the moments and master
/// weights of every parameter and takes the same step. ZeRO-1: parameter i's moments and master weight live only on
/// its owner rank (<see cref="ParameterShards"/>); once the gradients are all-reduced, each rank steps its own
/// parameters and then broadcasts their new values from each owner in flat buckets, so a rank holds about 1/world
/// of the optimizer state and every rank ends the step with the weights ZeRO-0 computes. Whatever is read for
/// saving (<see cref="MasterWeights"/>, <see cref="Gather"/>) is a collective every rank calls, before the writer
/// saves; state is keyed by parameter, so a checkpoint resumes with any world size and either stage.
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

    /// <summary>One AdamW step at <paramref name="learningRate"/> on gradients already summed over the ranks (every rank calls it).</summary>
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

    /// <summary>
    /// Every parameter's full-precision value (its master copy, or the parameter itself), on every rank: aliases
    /// under ZeRO-0, under ZeRO-1 the owners' values broadcast (a collective). Caller disposes.
    /// </summary>
    public Tensor[] MasterWeights()
    {
        var values = new Tensor[_parameters.Length];
        for (int i = 0; i < values.Length; i++)
            values[i] = Owns(i) ? _adamw!.MasterWeight(_local[i]) : empty(_parameters[i].shape, StateDtype(i), _parameters[i].device);
        if (_owners is not null) _dataParallel.BroadcastFromOwners(values, _owners);
        return values;
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

    /// <summary>
    /// Every parameter's moments, step count and full-precision value, on every rank: what a checkpoint holds. A
    /// collective under ZeRO-1 (each owner broadcasts its share). Dispose it after saving.
    /// </summary>
    public OptimizerSnapshot Gather()
    {
        int n = _parameters.Length;
        var expAvg = new Tensor[n];
        var expAvgSq = new Tensor[n];
        var steps = new long[n];
        for (int i = 0; i < n; i++)
        {
            if (Owns(i))
                (expAvg[i], expAvgSq[i], steps[i]) = _adamw!.GetState(_local[i]);
            else
            {
                expAvg[i] = empty(_parameters[i].shape, StateDtype(i), _parameters[i].device);
                expAvgSq[i] = empty(_parameters[i].shape, StateDtype(i), _parameters[i].device);
            }
        }
        if (_owners is not null)
        {
            _dataParallel.BroadcastFromOwners(expAvg, _owners);
            _dataParallel.BroadcastFromOwners(expAvgSq, _owners);
            // Each parameter has one owner, so summing every rank's counts (0 where it is not the owner) gives the owner's.
            var mine = Enumerable.Range(0, n).Select(i => Owns(i) ? (double)steps[i] : 0).ToArray();
            var all = _dataParallel.Distributed.Sum(mine);
            for (int i = 0; i < n; i++) steps[i] = (long)all[i];
        }
        return new OptimizerSnapshot(MasterWeights(), expAvg, expAvgSq, steps, _parameters.Select(p => p.dtype).ToArray());
    }

    /// <summary>The dtype of parameter i's master copy and moments.</summary>
    private ScalarType StateDtype(int index)
    {
        var p = _parameters[index];
        return MasterDtype is { } m && p.dtype.IsFloatingPoint() && p.dtype != m ? m : p.dtype;
    }

    public void Dispose() => _adamw?.Dispose();
}

/// <summary>
/// Every parameter's optimizer state at one moment, in parameter order: full-precision values, AdamW moments and
/// step counts, and the parameters' own dtypes (a master copy is saved only where it is wider than its parameter).
/// </summary>
public sealed record OptimizerSnapshot(Tensor[] MasterWeights, Tensor[] ExpAvg, Tensor[] ExpAvgSq, long[] Steps, ScalarType[] ParameterDtypes) : IDisposable
{
    public void Dispose()
    {
        foreach (var t in MasterWeights.Concat(ExpAvg).Concat(ExpAvgSq)) t.Dispose();
    }
}
