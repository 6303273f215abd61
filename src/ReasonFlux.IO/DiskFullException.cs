namespace ReasonFlux.IO;

/// <summary>
/// A file did not fit on its device. The message names the path and the bytes needed, so the user knows what to
/// free; the writer that throws it has already removed its partial output.
/// </summary>
public sealed class DiskFullException : IOException
{
    public DiskFullException(string message, string path, long bytesNeeded, long bytesFree, Exception? inner = null)
        : base(message, inner)
    {
        Path = path;
        BytesNeeded = bytesNeeded;
        BytesFree = bytesFree;
    }

    /// <summary>The file (or checkpoint folder) that did not fit.</summary>
    public string Path { get; }

    /// <summary>Bytes the write needed in all (a lower bound when the writer could not know the total).</summary>
    public long BytesNeeded { get; }

    /// <summary>Bytes free on the device when the write failed; -1 when unknown.</summary>
    public long BytesFree { get; }

    /// <summary>"PATH: no space left on device: N bytes needed, M free".</summary>
    public static DiskFullException For(string path, long bytesNeeded, Exception? inner = null, bool atLeast = false)
    {
        long free = DiskSpace.FreeBytes(path);
        var needed = (atLeast ? "at least " : "") + DiskSpace.Describe(bytesNeeded);
        return new DiskFullException($"{path}: no space left on device: {needed} needed, {DiskSpace.DescribeFree(free)}", path, bytesNeeded, free, inner);
    }
}
