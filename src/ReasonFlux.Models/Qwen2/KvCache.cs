using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Models.Qwen2;

/// <summary>
/// Preallocated keys and values for every layer, [B, Hkv, Capacity, D] each. All rows share one length:
/// batches are left-padded, and padding is masked through the attention mask rather than by ragged lengths.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;

    public KvCache(Qwen2Config config, long batch, long capacity, ScalarType dtype, Device device)
    {
        Batch = batch;
        Capacity = capacity;
        _keys = new Tensor[config.NumHiddenLayers];
        _values = new Tensor[config.NumHiddenLayers];
        long[] shape = [batch, config.NumKeyValueHeads, capacity, config.HeadDim];
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            _keys[i] = zeros(shape, dtype, device).DetachFromDisposeScope();
            _values[i] = zeros(shape, dtype, device).DetachFromDisposeScope();
        }
    }

    public long Batch { get; }
    public long Capacity { get; }

    /// <summary>Positions filled so far (the same for every row).</summary>
    public long Length { get; private set; }

    /// <summary>Writes a layer's new keys/values [B, Hkv, T, D] at the current length and returns views over [0, Length + T).</summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        var t = k.size(2);
        if (Length + t > Capacity)
            throw new InvalidOperationException($"KV cache overflow: {Length} + {t} tokens exceeds its capacity of {Capacity}");
        using (var dk = _keys[layer].narrow(2, Length, t)) dk.copy_(k);
        using (var dv = _values[layer].narrow(2, Length, t)) dv.copy_(v);
        return (_keys[layer].narrow(2, 0, Length + t), _values[layer].narrow(2, 0, Length + t));
    }

    /// <summary>Called once per forward after every layer appended <paramref name="tokens"/> positions.</summary>
    internal void Advance(long tokens) => Length += tokens;

    /// <summary>Keeps only the given batch rows (finished sequences leave the batch). Returns a new, smaller cache.</summary>
    public KvCache Select(Tensor rowIndex)
    {
        return new KvCache(this, rowIndex);
    }

    private KvCache(KvCache source, Tensor rowIndex)
    {
        Batch = rowIndex.numel();
        Capacity = source.Capacity;
        Length = source.Length;
        _keys = source._keys.Select(k => k.index_select(0, rowIndex).DetachFromDisposeScope()).ToArray();
        _values = source._values.Select(v => v.index_select(0, rowIndex).DetachFromDisposeScope()).ToArray();
    }

    public void Dispose()
    {
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
    }
}
