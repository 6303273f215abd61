using System.Buffers.Binary;
using System.Text;

namespace ReasonFlux.Checkpoints.Tests;

/// <summary>A scratch folder deleted with the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rf-ckpt-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class TestFiles
{
    public static string Golden(string name) => Path.Combine(AppContext.BaseDirectory, "Golden", name);

    /// <summary>Raw safetensors bytes: 8-byte length (or a lie), the header text, then the data.</summary>
    public static byte[] Craft(string header, byte[]? data = null, ulong? lengthPrefix = null)
    {
        byte[] h = Encoding.UTF8.GetBytes(header);
        return CraftRaw(h, data, lengthPrefix);
    }

    public static byte[] CraftRaw(byte[] header, byte[]? data = null, ulong? lengthPrefix = null)
    {
        data ??= [];
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, lengthPrefix ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    public static byte[] Pattern(int length, int seed = 1)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }
}
