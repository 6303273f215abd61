using ReasonFlux.IO;

namespace ReasonFlux.Checkpoints;

/// <summary>
/// A checkpoint file opened for writing with its whole size reserved, so one that cannot fit fails before gigabytes
/// are written: as a <see cref="DiskFullException"/> naming the final path and the bytes it needs.
/// </summary>
internal static class ReservedFile
{
    private const int WriteBufferSize = 4 * 1024 * 1024;

    /// <summary>Opens <paramref name="temp"/> (the file written before its rename to <paramref name="finalPath"/>) with <paramref name="bytes"/> reserved.</summary>
    public static FileStream Create(string temp, string finalPath, long bytes, FileMode mode)
    {
        try
        {
            return new FileStream(temp, new FileStreamOptions
            {
                Mode = mode, Access = FileAccess.Write, Share = FileShare.None, BufferSize = WriteBufferSize, PreallocationSize = bytes,
            });
        }
        // .NET reports a failed reservation as a plain IOException, hence the free-space check.
        catch (IOException e) when (DiskSpace.IsFull(e) || DiskSpace.FreeBytes(temp) is >= 0 and var free && free < bytes)
        {
            TryDelete(temp);
            throw DiskFullException.For(finalPath, bytes, e);
        }
    }

    /// <summary>Deletes a temporary file on a failure path, where a second error would hide the first.</summary>
    public static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
