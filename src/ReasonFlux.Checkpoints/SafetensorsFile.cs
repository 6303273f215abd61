using System.Diagnostics.CodeAnalysis;
using System.IO.MemoryMappedFiles;

namespace ReasonFlux.Checkpoints;

/// <summary>
/// One .safetensors file, memory-mapped read-only. The whole header is validated in <see cref="Open"/>;
/// tensor bytes are then served from the mapping without copies.
/// </summary>
/// <remarks>
/// Accepts what HF's reader accepts, plus gaps between tensors and bytes after the last tensor
/// (HF insists on a contiguous data section; alignment padding is harmless to us).
/// Reads are thread-safe; disposing while other threads read is not. Another process truncating the
/// file while it is mapped can still fault the process: that is outside what a reader can guard against.
/// </remarks>
public sealed unsafe class SafetensorsFile : ISafetensorsView
{
    private readonly MemoryMappedFile _mapping;
    private readonly MemoryMappedViewAccessor _view;
    private readonly SafetensorsHeader _header;
    private readonly string[] _names;
    private byte* _base;
    private int _disposed;

    private SafetensorsFile(string path, long fileLength, MemoryMappedFile mapping, MemoryMappedViewAccessor view, byte* basePointer, SafetensorsHeader header)
    {
        Path = path;
        FileLength = fileLength;
        _mapping = mapping;
        _view = view;
        _base = basePointer;
        _header = header;
        _names = header.Tensors.Select(t => t.Name).ToArray();
    }

    /// <summary>
    /// Opens and validates <paramref name="path"/>. Throws <see cref="FileNotFoundException"/> when it is missing and
    /// <see cref="InvalidDataException"/> naming the file and tensor for any header problem.
    /// </summary>
    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: safetensors file not found", path);
        // FileShare.Delete lets a writer rename a new checkpoint over this one while it is still mapped.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.None);
        MemoryMappedFile? mapping = null;
        MemoryMappedViewAccessor? view = null;
        bool acquired = false;
        try
        {
            long fileLength = stream.Length;
            if (fileLength < 8)
                SafetensorsHeader.ReadHeaderLength(ReadOnlySpan<byte>.Empty, fileLength, path); // throws with the message for short files
            mapping = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = mapping.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            acquired = true;
            p += view.PointerOffset;

            long headerLength = SafetensorsHeader.ReadHeaderLength(new ReadOnlySpan<byte>(p, 8), fileLength, path);
            var header = SafetensorsHeader.Parse(new ReadOnlySpan<byte>(p + 8, (int)headerLength), fileLength, path);
            return new SafetensorsFile(path, fileLength, mapping, view, p, header);
        }
        catch
        {
            if (acquired) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            if (mapping is not null) mapping.Dispose();
            else stream.Dispose();
            throw;
        }
    }

    /// <summary>The file this view maps.</summary>
    public string Path { get; }

    /// <summary>Size of the file in bytes.</summary>
    public long FileLength { get; }

    /// <summary>Length of the JSON header (including its padding), as given by the 8-byte prefix.</summary>
    public long HeaderLength => _header.HeaderLength;

    /// <summary>File offset of the data section (8 + <see cref="HeaderLength"/>).</summary>
    public long DataStart => _header.DataStart;

    /// <summary>The <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>Whether the header has a <c>__metadata__</c> object (transformers before 4.48.2 needs one with format "pt").</summary>
    public bool HasMetadata => _header.HasMetadata;

    /// <summary>Header entries ordered by data offset.</summary>
    public IReadOnlyList<TensorInfo> Tensors => _header.Tensors;

    /// <inheritdoc />
    public IReadOnlyList<string> Names => _names;

    /// <inheritdoc />
    public int Count => _names.Length;

    /// <inheritdoc />
    public bool Contains(string name) => _header.ByName.ContainsKey(name);

    /// <inheritdoc />
    public bool TryGetInfo(string name, [NotNullWhen(true)] out TensorInfo? info) => _header.ByName.TryGetValue(name, out info);

    /// <inheritdoc />
    public TensorInfo GetInfo(string name) =>
        _header.ByName.TryGetValue(name, out var info)
            ? info
            : throw new InvalidDataException($"{Path}: no tensor named {SafetensorsHeader.Quote(name)}");

    /// <inheritdoc />
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var info = GetInfo(name);
        if (info.ByteLength > int.MaxValue)
            throw new InvalidOperationException($"{Path}: tensor {SafetensorsHeader.Quote(name)} is {info.ByteLength} bytes, too large for a span; use GetPointer or CopyTo(name, nint, long)");
        return new ReadOnlySpan<byte>(PointerAt(info), (int)info.ByteLength);
    }

    /// <inheritdoc />
    public byte* GetPointer(string name) => PointerAt(GetInfo(name));

    /// <summary>A read-only stream over the tensor's bytes, valid until this file is disposed.</summary>
    public UnmanagedMemoryStream OpenRead(string name)
    {
        var info = GetInfo(name);
        return new UnmanagedMemoryStream(PointerAt(info), info.ByteLength, info.ByteLength, FileAccess.Read);
    }

    /// <inheritdoc />
    public void CopyTo(string name, Span<byte> destination)
    {
        var info = GetInfo(name);
        if (destination.Length != info.ByteLength)
            throw new ArgumentException($"{Path}: tensor {SafetensorsHeader.Quote(name)} is {info.ByteLength} bytes but the destination holds {destination.Length}", nameof(destination));
        new ReadOnlySpan<byte>(PointerAt(info), destination.Length).CopyTo(destination);
    }

    /// <inheritdoc />
    public void CopyTo(string name, nint destination, long destinationByteLength)
    {
        var info = GetInfo(name);
        if (destinationByteLength != info.ByteLength)
            throw new ArgumentException($"{Path}: tensor {SafetensorsHeader.Quote(name)} is {info.ByteLength} bytes but the destination holds {destinationByteLength}", nameof(destinationByteLength));
        if (info.ByteLength == 0) return;
        if (destination == 0) throw new ArgumentNullException(nameof(destination));
        Buffer.MemoryCopy(PointerAt(info), (void*)destination, destinationByteLength, info.ByteLength);
    }

    internal byte* PointerAt(TensorInfo info)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _base + info.FileOffset;
    }

    /// <summary>Unmaps the file; every span and pointer handed out becomes invalid.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _mapping.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Path} ({Count} tensors)";
}
