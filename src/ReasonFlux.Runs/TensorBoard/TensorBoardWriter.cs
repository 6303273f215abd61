using System.Buffers.Binary;

namespace ReasonFlux.Runs;

/// <summary>
/// Writes TensorBoard event files (<c>events.out.tfevents.TIME.HOST</c>) that <c>tensorboard --logdir</c> reads:
/// TFRecord framing (uint64 length, masked CRC-32C of the length, data, masked CRC-32C of the data) around
/// <c>tensorflow.Event</c> protobufs holding scalar summaries (<c>simple_value</c>).
/// </summary>
public sealed class TensorBoardWriter : IDisposable
{
    // tensorflow/core/util/event.proto and summary.proto field numbers.
    private const int EventWallTime = 1, EventStep = 2, EventFileVersion = 3, EventSummary = 5, EventSessionLog = 7;
    private const int SummaryValue = 1, ValueTag = 1, ValueSimpleValue = 2;
    private const int SessionLogStatus = 1, SessionLogStart = 1;

    private readonly FileStream _stream;
    private readonly Func<DateTimeOffset> _clock;

    private TensorBoardWriter(string path, Func<DateTimeOffset> clock)
    {
        FilePath = path;
        _clock = clock;
        _stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        var e = new ProtoWriter();
        e.WriteDouble(EventWallTime, WallTime(null));
        e.WriteString(EventFileVersion, "brain.Event:2");
        WriteRecord(e.ToArray());
        Flush();
    }

    /// <summary>The event file being written.</summary>
    public string FilePath { get; }

    /// <summary>Creates a new event file in <paramref name="logDirectory"/> (created if needed).</summary>
    public static TensorBoardWriter Create(string logDirectory, Func<DateTimeOffset>? clock = null)
    {
        clock ??= () => DateTimeOffset.UtcNow;
        Directory.CreateDirectory(logDirectory);
        var host = string.Concat(Environment.MachineName.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
        var name = $"events.out.tfevents.{clock().ToUnixTimeSeconds()}.{host}";
        var path = Path.Combine(logDirectory, name);
        // A resumed run started in the same second must not overwrite the previous file.
        for (int i = 1; File.Exists(path); i++) path = Path.Combine(logDirectory, $"{name}.{Environment.ProcessId}.{i}");
        return new TensorBoardWriter(path, clock);
    }

    /// <summary>Writes one Event holding a scalar per entry, all at <paramref name="step"/>.</summary>
    public void AddScalars(long step, IEnumerable<KeyValuePair<string, double>> scalars, DateTimeOffset? wallTime = null)
    {
        var summary = new ProtoWriter();
        int count = 0;
        foreach (var (tag, value) in scalars)
        {
            var v = new ProtoWriter();
            v.WriteString(ValueTag, tag);
            v.WriteFloat(ValueSimpleValue, (float)value);
            summary.WriteMessage(SummaryValue, v);
            count++;
        }
        if (count == 0) return;
        var e = new ProtoWriter();
        e.WriteDouble(EventWallTime, WallTime(wallTime));
        e.WriteInt64(EventStep, step);
        e.WriteMessage(EventSummary, summary);
        WriteRecord(e.ToArray());
    }

    /// <summary>Writes one scalar.</summary>
    public void AddScalar(string tag, double value, long step, DateTimeOffset? wallTime = null) =>
        AddScalars(step, [new(tag, value)], wallTime);

    /// <summary>
    /// Marks a restart at <paramref name="step"/>: TensorBoard then discards events from earlier files with
    /// step ≥ this one, so curves after a resume do not double back.
    /// </summary>
    public void AddSessionStart(long step)
    {
        var log = new ProtoWriter();
        log.WriteInt64(SessionLogStatus, SessionLogStart);
        var e = new ProtoWriter();
        e.WriteDouble(EventWallTime, WallTime(null));
        e.WriteInt64(EventStep, step);
        e.WriteMessage(EventSessionLog, log);
        WriteRecord(e.ToArray());
    }

    public void Flush() => _stream.Flush();

    public void Dispose()
    {
        _stream.Flush();
        _stream.Dispose();
    }

    private double WallTime(DateTimeOffset? t) => (t ?? _clock()).ToUnixTimeMilliseconds() / 1000.0;

    private void WriteRecord(ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Crc32C.Mask(Crc32C.Compute(header[..8])));
        _stream.Write(header);
        _stream.Write(data);
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Crc32C.Mask(Crc32C.Compute(data)));
        _stream.Write(footer);
    }
}
