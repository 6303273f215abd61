using System.Text.Json.Nodes;

namespace ReasonFlux.IO;

/// <summary>One parsed line of a JSONL file, with where it came from so errors can point at it.</summary>
public sealed record JsonlRecord(string Path, int LineNumber, JsonObject Value)
{
    /// <summary>"file:line" for error messages.</summary>
    public string Location => $"{Path}:{LineNumber}";

    /// <summary>A required string field; a missing or non-string field is an error naming file, line and key.</summary>
    public string GetString(string key)
    {
        var node = Value[key] ?? throw Error($"missing required field \"{key}\"");
        if (node is JsonValue v && v.TryGetValue<string>(out var s)) return s;
        throw Error($"field \"{key}\" must be a string, got {node.GetValueKind()}");
    }

    public string? GetOptionalString(string key)
    {
        var node = Value[key];
        if (node is null) return null;
        if (node is JsonValue v && v.TryGetValue<string>(out var s)) return s;
        throw Error($"field \"{key}\" must be a string, got {node.GetValueKind()}");
    }

    /// <summary>A required array of integers (token ids and the like).</summary>
    public int[] GetInt32Array(string key)
    {
        if (Value[key] is not JsonArray arr) throw Error($"field \"{key}\" must be an array of integers");
        var result = new int[arr.Count];
        for (int i = 0; i < arr.Count; i++)
        {
            if (arr[i] is JsonValue v && v.TryGetValue<int>(out var x)) result[i] = x;
            else if (arr[i] is JsonValue d && d.TryGetValue<double>(out var f) && f == Math.Floor(f) && f >= int.MinValue && f <= int.MaxValue) result[i] = (int)f;
            else throw Error($"field \"{key}\"[{i}] must be an integer, got {arr[i]?.ToJsonString() ?? "null"}");
        }
        return result;
    }

    /// <summary>A required array of strings.</summary>
    public string[] GetStringArray(string key)
    {
        if (Value[key] is not JsonArray arr) throw Error($"field \"{key}\" must be an array of strings");
        var result = new string[arr.Count];
        for (int i = 0; i < arr.Count; i++)
        {
            if (arr[i] is JsonValue v && v.TryGetValue<string>(out var s)) result[i] = s;
            else throw Error($"field \"{key}\"[{i}] must be a string");
        }
        return result;
    }

    public bool Has(string key) => Value.ContainsKey(key);

    /// <summary>An exception for bad content on this line.</summary>
    public InvalidDataException Error(string message) => new($"{Location}: {message}");
}
