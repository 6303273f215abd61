using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace ReasonFlux.IO;

/// <summary>
/// Streams a JSONL file one object per line. Blank lines are skipped; anything else that is not a JSON
/// object fails with the file and line, so a bad line never silently drops data. Lines are read as bytes with
/// a length cap (a 150 MB line must be refused before it is held several times over in memory) and must be
/// valid UTF-8 (invalid bytes are an error, never silently replaced by U+FFFD).
/// </summary>
public static class JsonlReader
{
    /// <summary>Longest line accepted, in bytes (a 100k-token sample is about half a megabyte).</summary>
    public const int MaxLineBytes = 16 * 1024 * 1024;

    private static readonly JsonDocumentOptions StrictJson = new() { AllowDuplicateProperties = false };

    public static IEnumerable<JsonlRecord> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        return ReadExisting(path);
    }

    private static IEnumerable<JsonlRecord> ReadExisting(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var lines = new JsonlLineSplitter(stream, MaxLineBytes);
        int lineNumber = 0;
        while (true)
        {
            lineNumber++;
            ReadOnlyMemory<byte> bytes;
            try
            {
                if (!lines.TryReadLine(out bytes)) yield break;
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: {e.Message}");
            }
            if (lineNumber == 1 && bytes.Span.StartsWith("\uFEFF"u8)) bytes = bytes[3..];
            if (!bytes.IsEmpty && bytes.Span[^1] == (byte)'\r') bytes = bytes[..^1];
            if (IsBlank(bytes.Span)) continue;
            if (!Utf8.IsValid(bytes.Span))
                throw new InvalidDataException($"{path}:{lineNumber}: not valid UTF-8 (first bad byte at column {FirstInvalidByte(bytes.Span) + 1})");
            JsonElement root;
            try
            {
                // Duplicate keys are refused here: JsonObject would otherwise throw a bare ArgumentException at the
                // first lookup, naming no file or line (found by tests/fuzz). Escaped lone surrogates likewise.
                using var doc = JsonDocument.Parse(bytes, StrictJson);
                JsonStrings.Validate(doc.RootElement, $"{path}:{lineNumber}");
                root = doc.RootElement.Clone(); // the line buffer is reused for the next line
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: invalid JSON: {e.Message}", e);
            }
            if (root.ValueKind != JsonValueKind.Object || JsonObject.Create(root) is not { } obj)
                throw new InvalidDataException($"{path}:{lineNumber}: expected a JSON object, got {root.ValueKind}");
            yield return new JsonlRecord(path, lineNumber, obj);
        }
    }

    /// <summary>Reads the whole file; fine for prompt sets and benchmarks, not for multi-GB pools.</summary>
    public static List<JsonlRecord> ReadAll(string path) => Read(path).ToList();

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (byte b in line)
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0x0B or 0x0C)) return false;
        return true;
    }

    private static int FirstInvalidByte(ReadOnlySpan<byte> line)
    {
        int at = 0;
        while (at < line.Length)
        {
            if (Rune.DecodeFromUtf8(line[at..], out _, out int consumed) != System.Buffers.OperationStatus.Done) return at;
            at += consumed;
        }
        return at;
    }
}

/// <summary>Splits a stream into '\n'-terminated lines of bytes, refusing a line longer than a cap before buffering more of it.</summary>
internal sealed class JsonlLineSplitter(Stream stream, int maxLineBytes)
{
    private readonly byte[] _chunk = new byte[1 << 16];
    private int _start, _end;
    private byte[] _line = new byte[1 << 12];
    private bool _eof;

    /// <summary>The next line without its '\n' (valid until the next call); false at the end of the stream.</summary>
    public bool TryReadLine(out ReadOnlyMemory<byte> line)
    {
        int length = 0;
        while (true)
        {
            if (_start == _end)
            {
                if (_eof || (_end = stream.Read(_chunk, 0, _chunk.Length)) == 0)
                {
                    _eof = true;
                    _start = _end = 0;
                    line = _line.AsMemory(0, length);
                    return length > 0;
                }
                _start = 0;
            }
            var available = _chunk.AsSpan(_start, _end - _start);
            int newline = available.IndexOf((byte)'\n');
            var part = newline >= 0 ? available[..newline] : available;
            if ((long)length + part.Length > maxLineBytes)
                throw new InvalidDataException($"line is longer than {maxLineBytes} bytes (the limit for one JSONL line)");
            if (length + part.Length > _line.Length) Array.Resize(ref _line, Math.Min(maxLineBytes, Math.Max(_line.Length * 2, length + part.Length)));
            part.CopyTo(_line.AsSpan(length));
            length += part.Length;
            _start += part.Length;
            if (newline >= 0)
            {
                _start++;
                line = _line.AsMemory(0, length);
                return true;
            }
        }
    }
}
