using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;

namespace ReasonFlux.Checkpoints;

/// <summary>
/// Parses and validates a safetensors header. Every field is checked before any tensor is exposed:
/// a hostile file yields <see cref="InvalidDataException"/> naming the file (and the tensor), never a crash.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>Same bound as HF's reader (100 MB); real headers are a few hundred KB.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private SafetensorsHeader(long headerLength, IReadOnlyDictionary<string, string> metadata, bool hasMetadata,
        List<TensorInfo> tensors, Dictionary<string, TensorInfo> byName)
    {
        HeaderLength = headerLength;
        Metadata = metadata;
        HasMetadata = hasMetadata;
        Tensors = tensors;
        ByName = byName;
    }

    public long HeaderLength { get; }
    public long DataStart => 8 + HeaderLength;
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public bool HasMetadata { get; }

    /// <summary>Ordered by data offset, as the bytes lie in the file.</summary>
    public List<TensorInfo> Tensors { get; }

    public Dictionary<string, TensorInfo> ByName { get; }

    /// <summary>
    /// Reads the 8-byte little-endian header length and checks it against the file size.
    /// </summary>
    public static long ReadHeaderLength(ReadOnlySpan<byte> prefix, long fileLength, string path)
    {
        if (fileLength < 8)
            throw new InvalidDataException($"{path}: file is {fileLength} bytes, too short for the 8-byte safetensors header length (truncated or not a safetensors file)");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > MaxHeaderLength)
            throw new InvalidDataException($"{path}: safetensors header length {n} exceeds the {MaxHeaderLength}-byte limit (corrupt length prefix or not a safetensors file)");
        if ((long)n > fileLength - 8)
            throw new InvalidDataException($"{path}: safetensors header length {n} runs past the end of the {fileLength}-byte file (truncated file or corrupt length prefix)");
        if (n < 2)
            throw new InvalidDataException($"{path}: safetensors header length {n} is too small to hold a JSON object");
        return (long)n;
    }

    /// <summary>Parses the JSON header bytes (everything between the length prefix and the data section).</summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long fileLength, string path)
    {
        long headerLength = json.Length;
        long dataLength = fileLength - 8 - headerLength;
        if (!Utf8.IsValid(json))
            throw new InvalidDataException($"{path}: safetensors header is not valid UTF-8");

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        bool hasMetadata = false;
        var tensors = new List<TensorInfo>();
        var byName = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);

        var reader = new Utf8JsonReader(json, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
            MaxDepth = 16,
        });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new InvalidDataException($"{path}: safetensors header is not a JSON object (first token: {DescribeToken(ref reader)})");
            bool seenMetadataKey = false;
            while (true)
            {
                Next(ref reader, path, "top-level object");
                if (reader.TokenType == JsonTokenType.EndObject) break;
                string key = reader.GetString()!;
                Next(ref reader, path, Quote(key));
                if (key == "__metadata__")
                {
                    if (seenMetadataKey)
                        throw new InvalidDataException($"{path}: safetensors header has a duplicate \"__metadata__\" key");
                    seenMetadataKey = true;
                    hasMetadata = ReadMetadata(ref reader, metadata, path);
                    continue;
                }
                if (byName.ContainsKey(key))
                    throw new InvalidDataException($"{path}: tensor {Quote(key)}: duplicate key in safetensors header");
                var info = ReadTensor(ref reader, key, dataLength, 8 + headerLength, path);
                byName.Add(key, info);
                tensors.Add(info);
            }
            if (reader.Read())
                throw new InvalidDataException($"{path}: safetensors header has data after the JSON object ({DescribeToken(ref reader)})");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: safetensors header is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader.GetString throws this for escapes that decode to invalid UTF-16 (lone surrogates).
            throw new InvalidDataException($"{path}: safetensors header has an invalid string: {e.Message}", e);
        }

        CheckNoOverlap(tensors, path);
        return new SafetensorsHeader(headerLength, metadata, hasMetadata, tensors, byName);
    }

    private static bool ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string path)
    {
        if (reader.TokenType == JsonTokenType.Null) return false;
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new InvalidDataException($"{path}: \"__metadata__\" must be an object of strings, got {DescribeToken(ref reader)}");
        while (true)
        {
            Next(ref reader, path, "\"__metadata__\"");
            if (reader.TokenType == JsonTokenType.EndObject) return true;
            string key = reader.GetString()!;
            Next(ref reader, path, "\"__metadata__\"");
            if (reader.TokenType != JsonTokenType.String)
                throw new InvalidDataException($"{path}: \"__metadata__\" key {Quote(key)} must be a string, got {DescribeToken(ref reader)}");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw new InvalidDataException($"{path}: \"__metadata__\" has a duplicate key {Quote(key)}");
        }
    }

    private static TensorInfo ReadTensor(ref Utf8JsonReader reader, string name, long dataLength, long dataStart, string path)
    {
        string where = $"{path}: tensor {Quote(name)}";
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new InvalidDataException($"{where}: entry must be an object with dtype, shape and data_offsets, got {DescribeToken(ref reader)}");
        string? dtypeName = null;
        List<long>? shape = null;
        long[]? offsets = null;
        while (true)
        {
            Next(ref reader, path, Quote(name));
            if (reader.TokenType == JsonTokenType.EndObject) break;
            string field = reader.GetString()!;
            Next(ref reader, path, Quote(name));
            switch (field)
            {
                case "dtype":
                    if (dtypeName is not null) throw new InvalidDataException($"{where}: duplicate \"dtype\"");
                    if (reader.TokenType != JsonTokenType.String)
                        throw new InvalidDataException($"{where}: \"dtype\" must be a string, got {DescribeToken(ref reader)}");
                    dtypeName = reader.GetString()!;
                    break;
                case "shape":
                    if (shape is not null) throw new InvalidDataException($"{where}: duplicate \"shape\"");
                    shape = ReadIntArray(ref reader, where, "shape");
                    break;
                case "data_offsets":
                    if (offsets is not null) throw new InvalidDataException($"{where}: duplicate \"data_offsets\"");
                    var list = ReadIntArray(ref reader, where, "data_offsets");
                    if (list.Count != 2)
                        throw new InvalidDataException($"{where}: \"data_offsets\" must be [begin, end], got {list.Count} numbers");
                    offsets = [list[0], list[1]];
                    break;
                default:
                    throw new InvalidDataException($"{where}: unexpected field {Quote(field)} (allowed: dtype, shape, data_offsets)");
            }
        }
        if (dtypeName is null) throw new InvalidDataException($"{where}: missing \"dtype\"");
        if (shape is null) throw new InvalidDataException($"{where}: missing \"shape\"");
        if (offsets is null) throw new InvalidDataException($"{where}: missing \"data_offsets\"");

        if (!DTypeExtensions.TryParseSafetensorsName(dtypeName, out var dtype))
            throw new InvalidDataException($"{where}: unsupported dtype {Quote(dtypeName)} (supported: {string.Join(", ", DTypeExtensions.All.Select(d => d.ToSafetensorsName()))})");

        long numel = 1;
        long byteLength;
        try
        {
            foreach (long d in shape) numel = checked(numel * d);
            byteLength = checked(numel * dtype.ElementSize());
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"{where}: shape [{string.Join(", ", shape)}] overflows a 64-bit byte count");
        }

        long begin = offsets[0], end = offsets[1];
        if (end < begin)
            throw new InvalidDataException($"{where}: data_offsets [{begin}, {end}] end before they begin");
        if (end > dataLength)
            throw new InvalidDataException($"{where}: data_offsets [{begin}, {end}] run past the {dataLength}-byte data section (truncated file?)");
        if (end - begin != byteLength)
            throw new InvalidDataException($"{where}: data_offsets [{begin}, {end}] span {end - begin} bytes but {dtypeName}[{string.Join(", ", shape)}] needs {byteLength}");

        return new TensorInfo(name, dtype, shape.ToArray(), numel, begin, dataStart + begin, byteLength, path);
    }

    private static List<long> ReadIntArray(ref Utf8JsonReader reader, string where, string field)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new InvalidDataException($"{where}: \"{field}\" must be an array of non-negative integers, got {DescribeToken(ref reader)}");
        var values = new List<long>();
        while (true)
        {
            if (!reader.Read()) throw new InvalidDataException($"{where}: \"{field}\" is not terminated");
            if (reader.TokenType == JsonTokenType.EndArray) return values;
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long v))
                throw new InvalidDataException($"{where}: \"{field}\" must hold integers, got {DescribeToken(ref reader)}");
            if (v < 0)
                throw new InvalidDataException($"{where}: \"{field}\" has a negative value {v}");
            values.Add(v);
        }
    }

    private static void CheckNoOverlap(List<TensorInfo> tensors, string path)
    {
        tensors.Sort((a, b) =>
        {
            int c = a.DataOffset.CompareTo(b.DataOffset);
            return c != 0 ? c : (a.DataOffset + a.ByteLength).CompareTo(b.DataOffset + b.ByteLength);
        });
        TensorInfo? furthest = null;
        long maxEnd = 0;
        foreach (var t in tensors)
        {
            if (furthest is not null && t.DataOffset < maxEnd)
                throw new InvalidDataException(
                    $"{path}: tensor {Quote(t.Name)}: data_offsets [{t.DataOffset}, {t.DataOffset + t.ByteLength}] overlap tensor {Quote(furthest.Name)} [{furthest.DataOffset}, {furthest.DataOffset + furthest.ByteLength}]");
            long end = t.DataOffset + t.ByteLength;
            if (furthest is null || end > maxEnd)
            {
                maxEnd = end;
                furthest = t;
            }
        }
    }

    private static void Next(ref Utf8JsonReader reader, string path, string context)
    {
        if (!reader.Read())
            throw new InvalidDataException($"{path}: safetensors header ends inside {context}");
    }

    private static string DescribeToken(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.None => "nothing",
        JsonTokenType.String => $"string {Quote(reader.GetString()!)}",
        JsonTokenType.Number => $"number {Truncate(System.Text.Encoding.UTF8.GetString(reader.ValueSpan))}",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        _ => reader.TokenType.ToString(),
    };

    /// <summary>Quotes a name for an error message, cutting hostile multi-megabyte names short.</summary>
    internal static string Quote(string s) => $"'{Truncate(s)}'";

    private static string Truncate(string s) => s.Length <= 200 ? s : s[..200] + $"...({s.Length} chars)";
}
