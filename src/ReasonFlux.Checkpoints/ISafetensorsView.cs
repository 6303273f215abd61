using System.Diagnostics.CodeAnalysis;

namespace ReasonFlux.Checkpoints;

/// <summary>
/// A read-only name → tensor view over one safetensors file or a whole (possibly sharded) checkpoint.
/// Bytes are served straight from memory-mapped files; spans and pointers are valid only until the view is disposed.
/// </summary>
public unsafe interface ISafetensorsView : IDisposable
{
    /// <summary>All tensor names, in on-disk order (file, then data offset).</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>Number of tensors.</summary>
    int Count { get; }

    /// <summary>Whether a tensor of that name exists.</summary>
    bool Contains(string name);

    /// <summary>Header entry of a tensor; <see cref="InvalidDataException"/> naming the file(s) and tensor when absent.</summary>
    TensorInfo GetInfo(string name);

    /// <summary>Header entry of a tensor, or false when absent.</summary>
    bool TryGetInfo(string name, [NotNullWhen(true)] out TensorInfo? info);

    /// <summary>The tensor's raw little-endian bytes; tensors over 2 GiB need <see cref="GetPointer"/> or <see cref="CopyTo(string, nint, long)"/>.</summary>
    ReadOnlySpan<byte> GetBytes(string name);

    /// <summary>
    /// Zero-copy pointer to the tensor's first byte inside the mapping (read-only memory: never write through it).
    /// Valid until this view is disposed.
    /// </summary>
    byte* GetPointer(string name);

    /// <summary>Copies the tensor's bytes into <paramref name="destination"/>, which must be exactly <see cref="TensorInfo.ByteLength"/> long.</summary>
    void CopyTo(string name, Span<byte> destination);

    /// <summary>Copies the tensor's bytes into native memory of <paramref name="destinationByteLength"/> bytes (must equal the tensor's byte length).</summary>
    void CopyTo(string name, nint destination, long destinationByteLength);
}
