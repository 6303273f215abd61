namespace ReasonFlux.Checkpoints;

/// <summary>
/// One tensor to write: name, dtype, shape, and a way to produce its bytes when the writer reaches it.
/// Bytes are pulled one tensor at a time in file order, so a model is never held in memory twice.
/// </summary>
public sealed class TensorWriteSource
{
    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly long[] _shape;
    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly nint _pointer;
    private readonly Action<Stream>? _callback;

    private TensorWriteSource(string name, DType dtype, long[] shape, ReadOnlyMemory<byte> bytes, nint pointer, Action<Stream>? callback)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (name == "__metadata__") throw new ArgumentException("\"__metadata__\" is reserved and cannot be a tensor name", nameof(name));
        try
        {
            StrictUtf8.GetByteCount(name);
        }
        catch (System.Text.EncoderFallbackException)
        {
            throw new ArgumentException($"tensor '{name}': name is not valid UTF-16 (lone surrogate)", nameof(name));
        }
        if (!Enum.IsDefined(dtype)) throw new ArgumentOutOfRangeException(nameof(dtype), dtype, $"tensor '{name}': unknown dtype");
        long numel = 1;
        try
        {
            foreach (long d in shape)
            {
                if (d < 0) throw new ArgumentException($"tensor '{name}': negative dimension in shape [{string.Join(", ", shape)}]", nameof(shape));
                numel = checked(numel * d);
            }
            ByteLength = checked(numel * dtype.ElementSize());
        }
        catch (OverflowException)
        {
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] overflows a 64-bit byte count", nameof(shape));
        }
        Name = name;
        DType = dtype;
        _shape = (long[])shape.Clone();
        NumElements = numel;
        _bytes = bytes;
        _pointer = pointer;
        _callback = callback;
    }

    /// <summary>Tensor name as it will appear in the header.</summary>
    public string Name { get; }

    /// <summary>Element type.</summary>
    public DType DType { get; }

    /// <summary>Dimensions (a copy).</summary>
    public long[] Shape => (long[])_shape.Clone();

    internal ReadOnlySpan<long> ShapeSpan => _shape;

    /// <summary>Product of the shape.</summary>
    public long NumElements { get; }

    /// <summary>Bytes the tensor occupies (elements × element size).</summary>
    public long ByteLength { get; }

    /// <summary>Bytes already in managed memory; <paramref name="data"/> must be exactly the tensor's byte length.</summary>
    public static TensorWriteSource FromBytes(string name, DType dtype, long[] shape, ReadOnlyMemory<byte> data)
    {
        var source = new TensorWriteSource(name, dtype, shape, data, 0, null);
        if (data.Length != source.ByteLength)
            throw new ArgumentException($"tensor '{name}': {data.Length} bytes given but {dtype.ToSafetensorsName()}[{string.Join(", ", shape)}] needs {source.ByteLength}", nameof(data));
        return source;
    }

    /// <summary>
    /// Bytes in native memory (e.g. a CPU tensor's data_ptr): <paramref name="data"/> must point at the tensor's
    /// <see cref="ByteLength"/> contiguous bytes and stay valid until the write returns.
    /// </summary>
    public static TensorWriteSource FromPointer(string name, DType dtype, long[] shape, nint data)
    {
        var source = new TensorWriteSource(name, dtype, shape, default, data, null);
        if (data == 0 && source.ByteLength != 0) throw new ArgumentNullException(nameof(data), $"tensor '{name}': null data pointer");
        return source;
    }

    /// <summary>Pointer overload of <see cref="FromPointer(string, DType, long[], nint)"/>.</summary>
    public static unsafe TensorWriteSource FromPointer(string name, DType dtype, long[] shape, byte* data) =>
        FromPointer(name, dtype, shape, (nint)data);

    /// <summary>
    /// Bytes produced on demand: <paramref name="writeBytes"/> is called once, when the writer reaches this tensor, and
    /// must write exactly <see cref="ByteLength"/> bytes to the stream it is given (e.g. copying a GPU tensor to a pinned
    /// buffer chunk by chunk). Writing more or fewer fails the whole write and leaves no file behind.
    /// </summary>
    public static TensorWriteSource FromCallback(string name, DType dtype, long[] shape, Action<Stream> writeBytes)
    {
        ArgumentNullException.ThrowIfNull(writeBytes);
        return new TensorWriteSource(name, dtype, shape, default, 0, writeBytes);
    }

    /// <summary>A tensor of an opened safetensors file or checkpoint, copied straight from its mapping (for re-saving or renaming).</summary>
    public static TensorWriteSource FromView(ISafetensorsView view, string name, string? newName = null)
    {
        ArgumentNullException.ThrowIfNull(view);
        var info = view.GetInfo(name);
        return FromCallback(newName ?? name, info.DType, info.Shape, stream => WriteView(view, name, stream));
    }

    private static unsafe void WriteView(ISafetensorsView view, string name, Stream stream) =>
        WriteNative(view.GetPointer(name), view.GetInfo(name).ByteLength, stream);

    internal unsafe void WriteTo(Stream stream)
    {
        if (_callback is not null)
        {
            using var exact = new ExactLengthStream(stream, ByteLength, Name);
            _callback(exact);
            exact.CheckComplete();
        }
        else if (_pointer != 0)
        {
            WriteNative((byte*)_pointer, ByteLength, stream);
        }
        else
        {
            stream.Write(_bytes.Span);
        }
    }

    private static unsafe void WriteNative(byte* p, long length, Stream stream)
    {
        const int chunk = 64 * 1024 * 1024;
        for (long done = 0; done < length;)
        {
            int n = (int)Math.Min(chunk, length - done);
            stream.Write(new ReadOnlySpan<byte>(p + done, n));
            done += n;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {DType.ToSafetensorsName()}[{string.Join(", ", _shape)}] ({ByteLength} bytes)";
}
