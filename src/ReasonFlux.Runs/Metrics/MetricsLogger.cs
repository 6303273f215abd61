using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ReasonFlux.IO;

namespace ReasonFlux.Runs;

/// <summary>
/// Per-step metrics of one stage: one JSON object per call in <c>metrics.jsonl</c>
/// (<c>{"step": N, "time": unix-seconds, "name": value, ...}</c>, flushed each line) and the same scalars in
/// TensorBoard event files. Non-finite values are written as the strings "NaN", "Infinity", "-Infinity"
/// rather than dropped. On resume, lines after the resumed step (logged after that checkpoint, before the
/// crash) are removed so the file matches the training state.
/// </summary>
public sealed class MetricsLogger : IDisposable
{
    /// <summary>File name of the metrics log inside a stage folder.</summary>
    public const string FileName = "metrics.jsonl";

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly FileStream? _writer;
    private readonly TensorBoardWriter? _tensorBoard;
    private readonly Func<DateTimeOffset> _clock;
    private readonly object _lock = new();

    private MetricsLogger(string path, TensorBoardWriter? tensorBoard, Func<DateTimeOffset> clock, bool write = true)
    {
        Path = path;
        _tensorBoard = tensorBoard;
        _clock = clock;
        // Unbuffered: a line that does not fit is cut back off (below), with no buffered copy retried at Dispose.
        if (write) _writer = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
    }

    /// <summary>A logger that checks metric names and writes nothing (data-parallel ranks other than the writer).</summary>
    public static MetricsLogger Discarding() => new("", null, () => DateTimeOffset.UtcNow, write: false);

    /// <summary>The metrics.jsonl path.</summary>
    public string Path { get; }

    /// <summary>The TensorBoard event file, when enabled.</summary>
    public string? TensorBoardFile => _tensorBoard?.FilePath;

    /// <summary>
    /// Opens the metrics of a stage folder. <paramref name="resumeStep"/>: the checkpoint step being resumed
    /// (null for a fresh start); lines with a larger step are dropped and TensorBoard is told of the restart.
    /// </summary>
    public static MetricsLogger Open(string directory, long? resumeStep, bool tensorBoard, Func<DateTimeOffset>? clock = null)
    {
        clock ??= () => DateTimeOffset.UtcNow;
        Directory.CreateDirectory(directory);
        var path = System.IO.Path.Combine(directory, FileName);
        if (resumeStep is { } resumed && File.Exists(path)) TruncateAfter(path, resumed);
        var tb = tensorBoard ? TensorBoardWriter.Create(directory, clock) : null;
        if (tb is not null && resumeStep is { } s) tb.AddSessionStart(s + 1);
        return new MetricsLogger(path, tb, clock);
    }

    /// <summary>Writes one line with these metrics at <paramref name="step"/> (and a TensorBoard event).</summary>
    public void Log(long step, IReadOnlyDictionary<string, double> metrics)
    {
        foreach (var name in metrics.Keys)
            if (string.IsNullOrWhiteSpace(name) || name is "step" or "time" || name.Any(char.IsControl))
                throw new ArgumentException($"invalid metric name \"{name}\" (empty, reserved, or with control characters)");
        if (_writer is null) return;
        var now = _clock();
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteNumber("step", step);
            json.WriteNumber("time", Math.Round(now.ToUnixTimeMilliseconds() / 1000.0, 3));
            foreach (var (name, value) in metrics)
            {
                if (double.IsFinite(value)) json.WriteNumber(name, value);
                else json.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
            }
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        lock (_lock)
        {
            long before = _writer.Length;
            try
            {
                _writer.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            }
            catch (IOException e) when (DiskSpace.IsFull(e))
            {
                // A half-written line would make the file unreadable on resume: cut it off (which frees space, so it works on a full disk).
                try { _writer.SetLength(before); } catch (IOException) { }
                throw DiskFullException.For(Path, buffer.Length, e, atLeast: true);
            }
            _tensorBoard?.AddScalars(step, metrics, now);
            _tensorBoard?.Flush();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _writer?.Dispose();
            _tensorBoard?.Dispose();
        }
    }

    private static void TruncateAfter(string path, long step)
    {
        var kept = new List<string>();
        foreach (var record in ReasonFlux.IO.JsonlReader.Read(path))
        {
            var s = MetricsFile.StepOf(record);
            if (s <= step) kept.Add(record.Value.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        }
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, kept.Count == 0 ? "" : string.Join('\n', kept) + "\n", new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
    }
}
