using System.Text.Json;

namespace ReasonFlux.Checkpoints;

/// <summary>
/// A parsed <c>model.safetensors.index.json</c>: <c>weight_map</c> (tensor → shard file) and the optional
/// <c>metadata</c> (<c>total_size</c>, <c>total_parameters</c>).
/// </summary>
public sealed class SafetensorsIndex
{
    /// <summary>File name HF uses for the index.</summary>
    public const string FileName = "model.safetensors.index.json";

    /// <summary>Index files larger than this are refused (a 70B model's index is under 100 KB).</summary>
    public const long MaxIndexBytes = 256L * 1024 * 1024;

    private SafetensorsIndex(string path, IReadOnlyDictionary<string, string> weightMap, long? totalSize, long? totalParameters)
    {
        Path = path;
        WeightMap = weightMap;
        TotalSize = totalSize;
        TotalParameters = totalParameters;
        ShardFiles = weightMap.Values.Distinct(StringComparer.Ordinal).Order(CodePointComparer.Instance).ToArray();
    }

    /// <summary>The index file.</summary>
    public string Path { get; }

    /// <summary>Tensor name → shard file name (relative to the index's folder).</summary>
    public IReadOnlyDictionary<string, string> WeightMap { get; }

    /// <summary>Distinct shard file names, sorted.</summary>
    public IReadOnlyList<string> ShardFiles { get; }

    /// <summary><c>metadata.total_size</c> when present (bytes of all tensors).</summary>
    public long? TotalSize { get; }

    /// <summary><c>metadata.total_parameters</c> when present (written by recent transformers).</summary>
    public long? TotalParameters { get; }

    /// <summary>Reads and validates an index file.</summary>
    public static SafetensorsIndex Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: safetensors index not found", path);
        long length = new FileInfo(path).Length;
        if (length > MaxIndexBytes)
            throw new InvalidDataException($"{path}: index is {length} bytes, over the {MaxIndexBytes}-byte limit");
        byte[] bytes = File.ReadAllBytes(path);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: index is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            ReasonFlux.IO.JsonStrings.Validate(root, path);
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: index must be a JSON object, got {root.ValueKind}");
            JsonElement? weightMapElement = null;
            JsonElement? metadataElement = null;
            foreach (var prop in root.EnumerateObject())
            {
                if (prop.NameEquals("weight_map"))
                {
                    if (weightMapElement is not null) throw new InvalidDataException($"{path}: duplicate \"weight_map\" key");
                    weightMapElement = prop.Value;
                }
                else if (prop.NameEquals("metadata"))
                {
                    if (metadataElement is not null) throw new InvalidDataException($"{path}: duplicate \"metadata\" key");
                    metadataElement = prop.Value;
                }
            }
            if (weightMapElement is not { ValueKind: JsonValueKind.Object } wm)
                throw new InvalidDataException($"{path}: missing \"weight_map\" object");

            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in wm.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                    throw new InvalidDataException($"{path}: weight_map entry for tensor {SafetensorsHeader.Quote(entry.Name)} must be a shard file name string, got {entry.Value.ValueKind}");
                string shard = entry.Value.GetString()!;
                CheckShardFileName(shard, entry.Name, path);
                if (!weightMap.TryAdd(entry.Name, shard))
                    throw new InvalidDataException($"{path}: tensor {SafetensorsHeader.Quote(entry.Name)} is listed twice in weight_map ({weightMap[entry.Name]} and {shard})");
            }

            long? totalSize = null, totalParameters = null;
            if (metadataElement is { } md && md.ValueKind != JsonValueKind.Null)
            {
                if (md.ValueKind != JsonValueKind.Object)
                    throw new InvalidDataException($"{path}: \"metadata\" must be an object, got {md.ValueKind}");
                totalSize = ReadOptionalCount(md, "total_size", path);
                totalParameters = ReadOptionalCount(md, "total_parameters", path);
            }
            return new SafetensorsIndex(path, weightMap, totalSize, totalParameters);
        }
    }

    private static long? ReadOptionalCount(JsonElement metadata, string key, string path)
    {
        if (!metadata.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long n) || n < 0)
            throw new InvalidDataException($"{path}: metadata.{key} must be a non-negative integer, got {v.GetRawText()}");
        return n;
    }

    /// <summary>Shard names must be plain file names in the index's folder: no paths, so a hostile index cannot point elsewhere.</summary>
    private static void CheckShardFileName(string shard, string tensor, string path)
    {
        if (shard.Length == 0 || shard == "." || shard == ".." || shard.IndexOfAny(['/', '\\', '\0']) >= 0 || System.IO.Path.IsPathRooted(shard))
            throw new InvalidDataException($"{path}: weight_map entry for tensor {SafetensorsHeader.Quote(tensor)} names shard {SafetensorsHeader.Quote(shard)}, which is not a plain file name");
    }
}
