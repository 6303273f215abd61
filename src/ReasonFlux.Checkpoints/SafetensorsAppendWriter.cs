using System.Buffers.Binary;
using ReasonFlux.IO;

namespace ReasonFlux.Checkpoints;

/// <summary>
/// One safetensors file written as its tensors arrive, in <see cref="Order"/>: the header (the same bytes
/// <see cref="SafetensorsWriter.BuildHeader"/> gives) goes first, then each tensor's bytes are appended, so a tensor
/// that arrives from another process in pieces is written without the whole file being held anywhere. The file is
/// written under a temporary name and renamed into place by <see cref="Commit"/>; disposing it uncommitted deletes it.
/// </summary>
public sealed class SafetensorsAppendWriter : IDisposable
{
    private readonly string _path;
    private readonly string _temp;
    private readonly FileStream _stream;
    private readonly long _expectedBytes;
    private bool _committed;

    /// <summary>Starts <paramref name="path"/> for <paramref name="tensors"/> (their names, dtypes and shapes; their contents are not read).</summary>
    public SafetensorsAppendWriter(string path, IReadOnlyList<TensorWriteSource> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var (header, order) = SafetensorsWriter.BuildHeader(tensors, metadata);
        Order = order.Select(t => t.Name).ToArray();
        _path = path;
        _temp = path + ".tmp";
        _expectedBytes = 8 + header.Length + order.Sum(t => t.ByteLength);
        _stream = ReservedFile.Create(_temp, path, _expectedBytes, FileMode.Create);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        Append(prefix);
        Append(header);
    }

    /// <summary>The tensor names in the order their bytes must be appended (dtype alignment, then name).</summary>
    public IReadOnlyList<string> Order { get; }

    /// <summary>The order <paramref name="tensors"/> are laid out in a file, without writing one (for processes that send them).</summary>
    public static IReadOnlyList<string> OrderOf(IReadOnlyList<TensorWriteSource> tensors, IReadOnlyDictionary<string, string>? metadata) =>
        SafetensorsWriter.BuildHeader(tensors, metadata).Order.Select(t => t.Name).ToArray();

    /// <summary>Appends the next bytes (a whole tensor or part of one).</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        try { _stream.Write(bytes); }
        catch (IOException e) when (DiskSpace.IsFull(e)) { throw DiskFullException.For(_path, _expectedBytes, e); }
    }

    /// <summary>Checks every byte arrived, flushes and renames the file into place.</summary>
    public void Commit()
    {
        if (_stream.Position != _expectedBytes)
            throw new InvalidOperationException($"{_path}: {_stream.Position} bytes written, {_expectedBytes} expected");
        try
        {
            _stream.Flush(flushToDisk: true);
            _stream.Dispose();
        }
        catch (IOException e) when (DiskSpace.IsFull(e)) { throw DiskFullException.For(_path, _expectedBytes, e); }
        File.Move(_temp, _path, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        // A stream whose write failed retries its buffered bytes on Dispose and fails again.
        try { _stream.Dispose(); } catch (IOException) { }
        ReservedFile.TryDelete(_temp);
    }
}
