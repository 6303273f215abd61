using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReasonFlux.IO;

/// <summary>
/// Writes one JSON object per line. Output goes to "path.tmp" and is renamed into place on
/// <see cref="Commit"/>, so an interrupted job never leaves a half-written file that looks complete.
/// </summary>
public sealed class JsonlWriter : IDisposable
{
    private static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    private readonly string _path;
    private readonly string _tempPath;
    private readonly StreamWriter _writer;
    private bool _committed;

    public JsonlWriter(string path)
    {
        _path = path;
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        _tempPath = path + ".tmp";
        _writer = new StreamWriter(_tempPath, append: false, new System.Text.UTF8Encoding(false));
    }

    public int Count { get; private set; }

    /// <summary>UTF-8 bytes written so far (what a full disk is told was needed, at least).</summary>
    public long Bytes { get; private set; }

    public void Write(JsonNode value) => WriteLine(value.ToJsonString(Options));

    public void Write<T>(T value) => WriteLine(JsonSerializer.Serialize(value, Options));

    private void WriteLine(string json)
    {
        Bytes += System.Text.Encoding.UTF8.GetByteCount(json) + 1;
        Guard(() =>
        {
            _writer.Write(json);
            _writer.Write('\n');
        });
        Count++;
    }

    /// <summary>Flushes and moves the finished file into place.</summary>
    public void Commit()
    {
        Guard(() =>
        {
            _writer.Flush();
            _writer.Dispose();
        });
        File.Move(_tempPath, _path, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        // Keep the partial output for inspection but never under the final name (unless the disk is full: then it goes).
        _committed = true;
        try
        {
            _writer.Dispose();
        }
        catch (IOException e) when (DiskSpace.IsFull(e))
        {
            File.Delete(_tempPath);
        }
    }

    /// <summary>A write that does not fit removes the partial file and names the output and the bytes it needed.</summary>
    private void Guard(Action write)
    {
        try
        {
            write();
        }
        catch (IOException e) when (DiskSpace.IsFull(e))
        {
            _committed = true;
            try { _writer.Dispose(); } catch (IOException) { } // retries the buffered bytes, which fails again
            File.Delete(_tempPath);
            throw DiskFullException.For(_path, Bytes, e, atLeast: true);
        }
    }
}
