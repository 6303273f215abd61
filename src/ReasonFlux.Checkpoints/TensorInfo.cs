namespace ReasonFlux.Checkpoints;

/// <summary>One tensor's header entry in a safetensors file, validated against the file.</summary>
public sealed class TensorInfo
{
    private readonly long[] _shape;

    internal TensorInfo(string name, DType dtype, long[] shape, long numElements, long dataOffset, long fileOffset, long byteLength, string filePath)
    {
        Name = name;
        DType = dtype;
        _shape = shape;
        NumElements = numElements;
        DataOffset = dataOffset;
        FileOffset = fileOffset;
        ByteLength = byteLength;
        FilePath = filePath;
    }

    /// <summary>Tensor name as written in the header, e.g. "model.layers.0.self_attn.q_proj.weight".</summary>
    public string Name { get; }

    /// <summary>Element type.</summary>
    public DType DType { get; }

    /// <summary>Dimensions (a fresh copy each call; empty for a scalar).</summary>
    public long[] Shape => (long[])_shape.Clone();

    /// <summary>Dimensions without copying.</summary>
    public ReadOnlySpan<long> ShapeSpan => _shape;

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>Product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long NumElements { get; }

    /// <summary><c>data_offsets[0]</c>: offset of the first byte relative to the start of the data section.</summary>
    public long DataOffset { get; }

    /// <summary>Offset of the first byte from the start of the file (8 + header length + <see cref="DataOffset"/>).</summary>
    public long FileOffset { get; }

    /// <summary>Payload size in bytes (<see cref="NumElements"/> × element size).</summary>
    public long ByteLength { get; }

    /// <summary>The safetensors file holding the bytes.</summary>
    public string FilePath { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {DType.ToSafetensorsName()}[{string.Join(", ", _shape)}] @{DataOffset} ({ByteLength} bytes)";
}
