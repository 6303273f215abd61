using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReasonFlux.IO;

/// <summary>
/// Streams a JSONL file one object per line. Blank lines are skipped; anything else that is not a JSON
/// object fails with the file and line, so a bad line never silently drops data.
/// </summary>
public static class JsonlReader
{
    public static IEnumerable<JsonlRecord> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        return ReadExisting(path);
    }

    private static IEnumerable<JsonlRecord> ReadExisting(string path)
    {
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        int lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(line);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: invalid JSON: {e.Message}", e);
            }
            if (node is not JsonObject obj)
                throw new InvalidDataException($"{path}:{lineNumber}: expected a JSON object, got {node?.GetValueKind().ToString() ?? "null"}");
            yield return new JsonlRecord(path, lineNumber, obj);
        }
    }

    /// <summary>Reads the whole file; fine for prompt sets and benchmarks, not for multi-GB pools.</summary>
    public static List<JsonlRecord> ReadAll(string path) => Read(path).ToList();
}
