using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReasonFlux.Checkpoints;

/// <summary>
/// A Hugging Face <c>config.json</c> with typed accessors. Required getters fail with
/// <see cref="InvalidDataException"/> naming the file and key; getters with a default return it when the key is
/// absent or null, and still fail when the value has the wrong type.
/// </summary>
public sealed class HfConfig
{
    /// <summary>File name of a model config in an HF folder.</summary>
    public const string FileName = "config.json";

    private HfConfig(string path, JsonObject json)
    {
        Path = path;
        Json = json;
    }

    /// <summary>The file the config came from.</summary>
    public string Path { get; }

    /// <summary>The raw JSON (mutable: edit it and <see cref="Save"/> to write a modified config).</summary>
    public JsonObject Json { get; }

    /// <summary>Loads <paramref name="pathOrDirectory"/>, or <c>config.json</c> inside it when it is a folder.</summary>
    public static HfConfig Load(string pathOrDirectory)
    {
        string path = Directory.Exists(pathOrDirectory) ? System.IO.Path.Combine(pathOrDirectory, FileName) : pathOrDirectory;
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: config file not found", path);
        JsonNode? node;
        try
        {
            // A duplicate key would otherwise surface later as a bare ArgumentException from the first lookup (found by fuzzing).
            var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow, AllowDuplicateProperties = false };
            byte[] bytes = File.ReadAllBytes(path);
            using (var doc = JsonDocument.Parse(bytes, options)) ReasonFlux.IO.JsonStrings.Validate(doc.RootElement, path);
            node = JsonNode.Parse(bytes, documentOptions: options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid JSON: {e.Message}", e);
        }
        if (node is not JsonObject obj)
            throw new InvalidDataException($"{path}: config must be a JSON object, got {node?.GetValueKind().ToString() ?? "null"}");
        return new HfConfig(path, obj);
    }

    /// <summary>Wraps an already-parsed object (e.g. a config built in code); <paramref name="path"/> is used in messages.</summary>
    public static HfConfig FromJson(JsonObject json, string path = FileName) => new(path, json);

    /// <summary><c>architectures</c>, e.g. ["Qwen2ForCausalLM"]; empty when absent.</summary>
    public IReadOnlyList<string> Architectures => GetStringArray("architectures", []);

    /// <summary><c>model_type</c>, e.g. "qwen2"; required.</summary>
    public string ModelType => GetString("model_type");

    /// <summary><c>torch_dtype</c> (or the newer <c>dtype</c>) when present and recognised.</summary>
    public DType? TorchDType
    {
        get
        {
            string? name = GetString("torch_dtype", null) ?? GetString("dtype", null);
            if (name is null) return null;
            return DTypeExtensions.TryParseTorchName(name, out var d)
                ? d
                : throw new InvalidDataException($"{Path}: key 'torch_dtype': unknown dtype '{name}'");
        }
    }

    /// <summary>Whether the key is present (even when null).</summary>
    public bool Contains(string key) => Json.ContainsKey(key);

    /// <summary>Required 32-bit integer.</summary>
    public int GetInt(string key) => ToInt(Required(key), key);

    /// <summary>32-bit integer, or <paramref name="defaultValue"/> when absent or null.</summary>
    public int GetInt(string key, int defaultValue) => Optional(key) is { } n ? ToInt(n, key) : defaultValue;

    /// <summary>Required 64-bit integer.</summary>
    public long GetLong(string key) => ToLong(Required(key), key);

    /// <summary>64-bit integer, or <paramref name="defaultValue"/> when absent or null.</summary>
    public long GetLong(string key, long defaultValue) => Optional(key) is { } n ? ToLong(n, key) : defaultValue;

    /// <summary>Required number (integers accepted).</summary>
    public double GetDouble(string key) => ToDouble(Required(key), key);

    /// <summary>Number, or <paramref name="defaultValue"/> when absent or null.</summary>
    public double GetDouble(string key, double defaultValue) => Optional(key) is { } n ? ToDouble(n, key) : defaultValue;

    /// <summary>Required string.</summary>
    public string GetString(string key) => ToStringValue(Required(key), key);

    /// <summary>String, or <paramref name="defaultValue"/> when absent or null.</summary>
    public string? GetString(string key, string? defaultValue) => Optional(key) is { } n ? ToStringValue(n, key) : defaultValue;

    /// <summary>Required boolean.</summary>
    public bool GetBool(string key) => ToBool(Required(key), key);

    /// <summary>Boolean, or <paramref name="defaultValue"/> when absent or null.</summary>
    public bool GetBool(string key, bool defaultValue) => Optional(key) is { } n ? ToBool(n, key) : defaultValue;

    /// <summary>Array of strings, or <paramref name="defaultValue"/> when absent or null.</summary>
    public IReadOnlyList<string> GetStringArray(string key, IReadOnlyList<string> defaultValue)
    {
        if (Optional(key) is not { } n) return defaultValue;
        if (n is not JsonArray arr) throw WrongType(key, "an array of strings", n);
        return arr.Select(e => e is not null && Element(e) is { ValueKind: JsonValueKind.String } s
            ? s.GetString()!
            : throw WrongType(key, "an array of strings", n)).ToArray();
    }

    /// <summary>Nested object (e.g. <c>rope_scaling</c>), or null when absent or null.</summary>
    public JsonObject? GetObject(string key) => Optional(key) switch
    {
        null => null,
        JsonObject o => o,
        var n => throw WrongType(key, "an object", n),
    };

    /// <summary>Writes the (possibly edited) config as indented JSON, via a temporary file and a rename.</summary>
    public void Save(string path)
    {
        string temp = $"{path}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        File.WriteAllText(temp, Json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(temp, path, overwrite: true);
    }

    private JsonNode Required(string key)
    {
        if (!Json.TryGetPropertyValue(key, out var n))
            throw new InvalidDataException($"{Path}: missing required key '{key}'");
        return n ?? throw new InvalidDataException($"{Path}: key '{key}' is null, expected a value");
    }

    private JsonNode? Optional(string key) => Json.TryGetPropertyValue(key, out var n) ? n : null;

    private int ToInt(JsonNode n, string key)
    {
        long v = ToLong(n, key);
        return v is >= int.MinValue and <= int.MaxValue ? (int)v : throw new InvalidDataException($"{Path}: key '{key}': {v} does not fit a 32-bit integer");
    }

    private long ToLong(JsonNode n, string key)
    {
        var e = Element(n);
        if (e.ValueKind == JsonValueKind.Number)
        {
            if (e.TryGetInt64(out long l)) return l;
            // Python writes 4096.0 for ints that went through a float; accept exact integral values.
            if (e.TryGetDouble(out double d) && d == Math.Floor(d) && Math.Abs(d) < 9.0e15) return (long)d;
        }
        throw WrongType(key, "an integer", n);
    }

    private double ToDouble(JsonNode n, string key) =>
        Element(n) is { ValueKind: JsonValueKind.Number } e && e.TryGetDouble(out double d) ? d : throw WrongType(key, "a number", n);

    private string ToStringValue(JsonNode n, string key) =>
        Element(n) is { ValueKind: JsonValueKind.String } e ? e.GetString()! : throw WrongType(key, "a string", n);

    private bool ToBool(JsonNode n, string key) => Element(n).ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw WrongType(key, "true or false", n),
    };

    /// <summary>
    /// Normalises a node to a JsonElement: nodes parsed from a file wrap one, but nodes set from code wrap CLR values
    /// (int, string...) that JsonValue.TryGetValue only converts to their exact type.
    /// </summary>
    private static JsonElement Element(JsonNode n)
    {
        if (n is JsonValue v && v.TryGetValue<JsonElement>(out var e)) return e;
        using var doc = JsonDocument.Parse(n.ToJsonString());
        return doc.RootElement.Clone();
    }

    private InvalidDataException WrongType(string key, string expected, JsonNode n)
    {
        string text = n.ToJsonString();
        if (text.Length > 80) text = text[..80] + "...";
        return new InvalidDataException($"{Path}: key '{key}' must be {expected}, got {text}");
    }
}
