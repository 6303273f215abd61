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

    public void Write(JsonNode value)
    {
        _writer.Write(value.ToJsonString(Options));
        _writer.Write('\n');
        Count++;
    }

    public void Write<T>(T value)
    {
        _writer.Write(JsonSerializer.Serialize(value, Options));
        _writer.Write('\n');
        Count++;
    }

    /// <summary>Flushes and moves the finished file into place.</summary>
    public void Commit()
    {
        _writer.Flush();
        _writer.Dispose();
        File.Move(_tempPath, _path, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        _writer.Dispose();
        // Keep the partial output for inspection but never under the final name.
        _committed = true;
    }
}
